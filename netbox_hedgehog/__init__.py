"""netbox_hedgehog: onboard Hedgehog Open Network Fabric fabrics into GitOps, from NetBox."""

from pathlib import PurePath

from django.core.exceptions import ImproperlyConfigured
from netbox.plugins import PluginConfig, get_plugin_config

from netbox_hedgehog.core.limits import MAX_FILE_BYTES
from netbox_hedgehog.services.credentials import CredentialsConfigError, parse_entries

__version__ = '0.1.0'


class HedgehogConfig(PluginConfig):
    name = 'netbox_hedgehog'
    verbose_name = 'Hedgehog'
    description = 'Onboard Hedgehog fabrics into GitOps: validated, one object per file, indexed in NetBox'
    version = __version__
    author = 'netbox-hedgehog developers'
    base_url = 'hedgehog'
    min_version = '4.7.0'
    # '4.7' would reject 4.7.3 (4.7.3 > 4.7).
    max_version = '4.7.99'
    # Error answers of the plugin's URLs without server paths or exception text (error_answers.py).
    middleware = ['netbox_hedgehog.error_answers.PublicErrorMiddleware']
    default_settings = {
        # Folder under which every fabric's GitOps tree lives. No default on purpose: where the
        # trees go is an operator's decision, and writing them somewhere surprising is worse
        # than refusing to start.
        'gitops_root': None,
        # Largest YAML file the reader accepts; bigger files become a finding, not a parse.
        'max_file_bytes': MAX_FILE_BYTES,
        # Minutes between two runs of the scheduled health check of every fabric; 0 turns it off.
        'health_interval_minutes': 15,
        # YAML files waiting in raw/ longer than this make a fabric degraded (HEALTH_RAW_STALE).
        'raw_stale_minutes': 60,
        # Less free space than this under a fabric's tree makes it unhealthy (HEALTH_DISK_LOW).
        'min_free_disk_bytes': 1024**3,
        # Folder for `hedgehog backup` archives (absolute). No default, like gitops_root: inside
        # gitops_root they could end up in a git commit; best on another disk than the trees.
        # Without it, `hedgehog backup` needs --to.
        'backup_root': None,
        # Seconds a git network operation (fetch, push, ls-remote) may take before it is stopped.
        'git_timeout_seconds': 60,
        # Git credentials, each bound to the remote URL prefixes it may be sent to (docs/admin-guide.md):
        # [{'name': ..., 'url_prefixes': [...], 'token_file' | 'token_env' | 'ssh_key_file': ..., 'username': ...}].
        # A fabric gets the entry whose prefix covers its remote URL (longest wins), or none.
        'git_credentials': [],
        # Seconds a background ingestion waits for another one of the same fabric (another worker,
        # say) to finish before it gives up; the command and the API never wait.
        'lock_wait_seconds': 120,
        # Self-healing of a new fabric (its field self_healing): the scheduled health check then applies
        # the repairs `fix` classes as safe. Off: repairs without a person are each fabric's opt-in.
        'self_healing_default': False,
        # Failure patterns across runs and checks (docs/health.md, "Failure patterns"); 0 turns one off.
        # A raw file rejected with the same findings by this many ingestion runs in a row.
        'pattern_rejected_runs': 3,
        # This many ingestion runs in a row whose git push failed.
        'pattern_push_failures': 3,
        # raw/ held more files than at the check before at this many scheduled health checks in a row.
        'pattern_raw_growth_checks': 3,
        # Free disk under the tree, at the rate it fell over the stored checks, runs out within this many days.
        'pattern_disk_days_left': 7,
    }

    def ready(self):
        super().ready()
        check_settings(self.name)
        # Local: these modules import the models, which exist only once the apps are loaded (now).
        from netbox_hedgehog import health_jobs, metrics, signals  # noqa: F401  (signals connects the receivers)
        from netbox_hedgehog.jobs import IngestionJob
        from netbox_hedgehog.services import fabrics

        fabrics.register_ingestion_queue(IngestionJob.enqueue)
        health_jobs.register()
        metrics.register()


def check_settings(plugin_name):
    """Refuse to start with a configuration that would put trees in the wrong place."""
    root = get_plugin_config(plugin_name, 'gitops_root')
    setting = f"PLUGINS_CONFIG['{plugin_name}']['gitops_root']"
    if not root:
        raise ImproperlyConfigured(f'{setting} is required: the folder under which fabric GitOps trees live.')
    if not PurePath(root).is_absolute():
        raise ImproperlyConfigured(f'{setting} must be an absolute path (got {root!r}).')
    max_bytes = get_plugin_config(plugin_name, 'max_file_bytes')
    if not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ImproperlyConfigured(
            f"PLUGINS_CONFIG['{plugin_name}']['max_file_bytes'] must be a positive integer (got {max_bytes!r})."
        )
    for name in (
        'health_interval_minutes',
        'raw_stale_minutes',
        'min_free_disk_bytes',
        'git_timeout_seconds',
        'lock_wait_seconds',
        'pattern_rejected_runs',
        'pattern_push_failures',
        'pattern_raw_growth_checks',
        'pattern_disk_days_left',
    ):
        value = get_plugin_config(plugin_name, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ImproperlyConfigured(
                f"PLUGINS_CONFIG['{plugin_name}']['{name}'] must be an integer >= 0 (got {value!r})."
            )
    if not isinstance(get_plugin_config(plugin_name, 'self_healing_default'), bool):
        raise ImproperlyConfigured(f"PLUGINS_CONFIG['{plugin_name}']['self_healing_default'] must be True or False.")
    try:
        parse_entries(get_plugin_config(plugin_name, 'git_credentials'))
    except CredentialsConfigError as exc:
        raise ImproperlyConfigured(f"PLUGINS_CONFIG['{plugin_name}']['git_credentials']: {exc}.") from None
    backup_root = get_plugin_config(plugin_name, 'backup_root')
    if backup_root is not None and not PurePath(backup_root).is_absolute():
        raise ImproperlyConfigured(
            f"PLUGINS_CONFIG['{plugin_name}']['backup_root'] must be an absolute path or None (got {backup_root!r})."
        )


config = HedgehogConfig
