"""Real git for the tests: bare repositories as remotes, a person's own clone, and an HTTP remote.

GitHttpServer: git's own `git http-backend` (the CGI program git servers run) serves bare
repositories under a folder; the wrapper adds HTTP basic authentication, so a test can tell a right
token from a wrong one, and keeps every Authorization header it saw, so a test can prove where the
token went.

Listener: an attacker's host. Every request gets 401 with `WWW-Authenticate: Basic` (the answer that
makes a git client send whatever credentials it has), or a redirect to another URL; it keeps every
Authorization header it received.
"""

import base64
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

__all__ = ('GitHttpServer', 'Listener', 'Person', 'git', 'make_bare_repository')

PERSON = {'GIT_AUTHOR_NAME': 'Pat', 'GIT_AUTHOR_EMAIL': 'pat@example.com'}
PERSON.update(GIT_COMMITTER_NAME='Pat', GIT_COMMITTER_EMAIL='pat@example.com')


def make_bare_repository(path):
    path = Path(path)
    subprocess.run(['git', 'init', '--quiet', '--bare', '--initial-branch=main', str(path)], check=True)
    return path


def git(folder, *args):
    """Run git in `folder` as a person would; its output (AssertionError with git's words on failure)."""
    result = subprocess.run(
        ['git', '-C', str(folder), *args], capture_output=True, text=True, env={**os.environ, **PERSON}
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


class Person:
    """A network engineer's own clone of a fabric repository, pushing files under the tree `tree`."""

    def __init__(self, remote, folder, tree):
        self.folder = folder
        self.tree = tree
        subprocess.run(['git', 'clone', '--quiet', str(remote), str(folder)], check=True, capture_output=True)

    def push(self, files, message='add YAML'):
        if git(self.folder, 'ls-remote', '--heads', 'origin', 'main'):
            git(self.folder, 'pull', '--quiet', '--ff-only')
        for relative, text in files.items():
            path = self.folder / self.tree / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        git(self.folder, 'add', '--all')
        git(self.folder, 'commit', '--quiet', '-m', message)
        git(self.folder, 'push', '--quiet', 'origin', 'HEAD:main')


class _LoopbackServer:
    """An HTTP server at http://127.0.0.1:<ephemeral port>/, serving in a thread inside a `with` block; every
    GET and POST goes to `answer(request)` (the request's handler)."""

    def __init__(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                owner.answer(self)

            do_POST = do_GET

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self):
        return f'http://127.0.0.1:{self.server.server_port}'

    def url(self, name):
        return f'{self.origin}/{name}'

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class GitHttpServer(_LoopbackServer):
    """Serves the bare repositories under `folder` at http://127.0.0.1:<port>/<name>.git to `user`:`token`."""

    def __init__(self, folder, user, token):
        super().__init__()
        self.folder = Path(folder)
        self.expected = 'Basic ' + base64.b64encode(f'{user}:{token}'.encode()).decode()
        self.authorizations = []

    def answer(self, request):
        authorization = request.headers.get('Authorization')
        self.authorizations.append(authorization)
        if authorization != self.expected:
            request.send_response(401)
            request.send_header('WWW-Authenticate', 'Basic realm="git"')
            request.send_header('Content-Length', '0')
            request.end_headers()
            return
        path, _, query = request.path.partition('?')
        environment = {
            **os.environ,
            'GIT_PROJECT_ROOT': str(self.folder),
            'GIT_HTTP_EXPORT_ALL': '1',
            'REQUEST_METHOD': request.command,
            'PATH_INFO': path,
            'QUERY_STRING': query,
            'CONTENT_TYPE': request.headers.get('Content-Type', ''),
            'REMOTE_USER': 'tester',
            'REMOTE_ADDR': '127.0.0.1',
        }
        if encoding := request.headers.get('Content-Encoding'):
            environment['HTTP_CONTENT_ENCODING'] = encoding
        if protocol := request.headers.get('Git-Protocol'):
            environment['GIT_PROTOCOL'] = protocol
        body = _request_body(request)
        environment['CONTENT_LENGTH'] = str(len(body))
        output = subprocess.run(
            ['git', 'http-backend'], input=body, env=environment, capture_output=True, check=False
        ).stdout
        head, _, payload = output.partition(b'\r\n\r\n')
        headers = [line.split(':', 1) for line in head.decode().split('\r\n') if ':' in line]
        status = next((value.strip() for name, value in headers if name.lower() == 'status'), '200 OK')
        request.send_response(int(status.split()[0]))
        for name, value in headers:
            if name.lower() != 'status':
                request.send_header(name, value.strip())
        request.send_header('Content-Length', str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)


def _request_body(request):
    if request.headers.get('Transfer-Encoding', '').lower() == 'chunked':
        chunks = []
        while size := int(request.rfile.readline().strip(), 16):
            chunks.append(request.rfile.read(size))
            request.rfile.readline()
        request.rfile.readline()
        return b''.join(chunks)
    return request.rfile.read(int(request.headers.get('Content-Length') or 0))


class Listener(_LoopbackServer):
    """http://127.0.0.1:<ephemeral port>/ answering 401 Basic (or `redirect_to` + the path), recording every
    Authorization header in `authorizations` and every request line in `requests`."""

    def __init__(self, redirect_to=None):
        super().__init__()
        self.redirect_to = redirect_to
        self.authorizations = []
        self.requests = []

    def received(self, secret):
        """True when `secret` reached this listener in any Authorization header (Basic-decoded too)."""
        for header in filter(None, self.authorizations):
            scheme, _, value = header.partition(' ')
            decoded = ''
            if scheme.lower() == 'basic':
                try:
                    decoded = base64.b64decode(value).decode(errors='replace')
                except ValueError:
                    decoded = ''
            if secret in header or secret in decoded:
                return True
        return False

    def answer(self, request):
        self.requests.append(f'{request.command} {request.path}')
        self.authorizations.append(request.headers.get('Authorization'))
        if self.redirect_to:
            request.send_response(302)
            request.send_header('Location', self.redirect_to + request.path)
        else:
            request.send_response(401)
            request.send_header('WWW-Authenticate', 'Basic realm="git"')
        request.send_header('Content-Length', '0')
        request.end_headers()
