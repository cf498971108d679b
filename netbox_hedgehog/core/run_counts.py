"""How an ingestion run's counts read (`documents create 5 · files ingest 2 · written 5`): the runs table, the run's
panels and the Markdown health report show them alike."""

__all__ = ('counts_summary', 'flatten_counts')


def flatten_counts(counts):
    """[(label, number)] from a run's counts, groups spelled out (`documents create`) and listed first.

    Sorted by name: PostgreSQL's jsonb does not keep the order the service wrote the keys in.
    """
    groups = sorted((key, value) for key, value in (counts or {}).items() if isinstance(value, dict))
    totals = sorted((key, value) for key, value in (counts or {}).items() if not isinstance(value, dict))
    rows = [(f'{group} {action}', number) for group, actions in groups for action, number in sorted(actions.items())]
    return rows + totals


def counts_summary(counts):
    """`documents create 5 · files ingest 2 · written 5`: the non-zero counts of a run."""
    return ' · '.join(f'{label} {number}' for label, number in flatten_counts(counts) if number)
