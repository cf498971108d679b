"""How a file's text divides into documents, and which comments belong to which document. Plain Python.

A document owns the comment block right above its first content line (no blank line between) and the
comments inside and right after it; everything else (a file's header, comments set apart by a blank line,
commented-out documents, a comment on a `---` line) belongs to no document: the reader hands those on as the
file's comments.
"""

import re

__all__ = ('CONTENT_LINE', 'chunks', 'note_comments', 'own_text')

_DOCUMENT_MARKER = re.compile(r'^(?:---|\.\.\.)(?=[ \t\r\n]|$)', re.MULTILINE)
CONTENT_LINE = re.compile(r'^[ \t]*[^#\s]', re.MULTILINE)
# Comment lines of a commented-out document: its marker (`# ---`), or one that starts it (`# kind: Server`).
_COMMENTED_MARKER = re.compile(r'[ \t]*#[ \t]*(?:---|\.\.\.)(?:[ \t]|$)')
_COMMENTED_DOCUMENT = re.compile(r'[ \t]*#[ \t]*(?:(?:---|\.\.\.)(?:[ \t]|$)|(?:apiVersion|kind):)')


def chunks(text, comments):
    """(line where the text starts, text) per document, split at `---` and `...` lines; a comment on a
    marker line (`--- # next: the spines`) is added to `comments`."""
    start, line = 0, 1
    for marker in _DOCUMENT_MARKER.finditer(text):
        yield line, text[start : marker.start()]
        line += text.count('\n', start, marker.start())
        end = text.find('\n', marker.start())
        end = len(text) if end < 0 else end + 1
        rest = text[marker.start() + 3 : end]
        if text.startswith('---', marker.start()) and CONTENT_LINE.match(rest):
            # `--- value` starts the document on the marker line itself: keep that line.
            start = marker.start()
        else:
            if '#' in rest:
                comments.append((line, text[marker.start() : end].rstrip('\n')))
            start, line = end, line + 1
    yield line, text[start:]


def own_text(chunk, content_start):
    """(start, end) of the text that is the document's own in its chunk (the text between two markers).

    It runs from the comment block right above the first content line (no blank line between) to the
    comments right after the last one (likewise). A commented-out document is no one's: above, only what
    follows its commented `# ---` stays (nothing, when no such line ends it); below, it ends the block.
    """
    start = content_start
    above = chunk[:content_start].split('\n')[:-1]  # the text before a content line ends with its newline
    for line in reversed(above):
        if not _is_comment(line) or _COMMENTED_MARKER.match(line):
            break
        if _COMMENTED_DOCUMENT.match(line):
            start = content_start
            break
        start -= len(line) + 1
    end = _end_of_content(chunk)
    while end < len(chunk):
        line_end = chunk.find('\n', end)
        line_end = len(chunk) if line_end < 0 else line_end + 1
        line = chunk[end:line_end]
        if not _is_comment(line) or _COMMENTED_DOCUMENT.match(line):
            break
        end = line_end
    return start, end


def _end_of_content(chunk):
    """The offset right after the last content line of a chunk that has one."""
    end = len(chunk)
    while True:
        line_start = chunk.rfind('\n', 0, max(end - 1, 0)) + 1
        if CONTENT_LINE.match(chunk, line_start, end):
            return end
        end = line_start


def _is_comment(line):
    return line.lstrip(' \t').startswith('#')


def note_comments(comments, text_line, chunk, start, end):
    """Add `chunk[start:end]` (whole lines: comments, blank lines) as one block unless it is blank; blank
    lines around the block are left out, the indent of its first line is kept."""
    part = chunk[start:end]
    first = len(part) - len(part.lstrip('\n \t'))
    if first == len(part):
        return
    first = part.rfind('\n', 0, first) + 1
    comments.append((text_line + chunk.count('\n', 0, start + first), part[first:].rstrip('\n \t')))
