"""Error answers of the plugin's pages and API: a superuser sees what NetBox shows, anyone else no server path
and no exception text (netbox_hedgehog.core.errors decides the words; the details go to the log).

- `error_detail(request, exc, fabric)`: the message a view or an API action puts in its answer (a 4xx
  body, a form error, a flash message) about an error it expected.
- `PublicErrorMiddleware`: an error nobody expected. NetBox answers it with the exception's text (the
  API's 500 body carries `error`, the page prints it: absolute paths, the database's words). For the
  plugin's URLs and callers who are not superusers, it answers a 500 of its own instead: the public
  message and the request id to find the details in the log. The plugin's `middleware` setting puts it
  after NetBox's own, so Django asks it first.
"""

import logging

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import Http404, JsonResponse
from django.shortcuts import render
from utilities.api import is_api_request

from netbox_hedgehog.core.errors import detail_for, public_message, sees_details
from netbox_hedgehog.models import HedgehogFabric
from netbox_hedgehog.models.fabric import gitops_root

__all__ = ('PublicErrorMiddleware', 'error_detail')

logger = logging.getLogger('netbox_hedgehog.core.errors')

PLUGIN_NAMESPACES = ('netbox_hedgehog', 'netbox_hedgehog-api')
# What Django itself turns into a 4xx answer: left to it.
NOT_SERVER_ERRORS = (Http404, PermissionDenied, BadRequest, SuspiciousOperation)


def _roots(fabric):
    return (fabric.tree_path if fabric is not None else None), gitops_root()


def error_detail(request, exc, fabric=None):
    """The message about `exc` for the person who sent `request`, paths relative to `fabric`'s tree."""
    return detail_for(_user(request), exc, *_roots(fabric))


def _user(request):
    # Reading the user may need the database, which may be what failed: then nobody is a superuser.
    try:
        return request.user
    except Exception:
        return None


def _fabric_of(match):
    """The fabric a fabric URL names, to make paths relative to its tree; None when there is none or it cannot
    be read (the database may be what failed)."""
    if not match.url_name or not match.url_name.startswith('hedgehogfabric') or 'pk' not in match.kwargs:
        return None
    try:
        return HedgehogFabric.objects.filter(pk=match.kwargs['pk']).first()
    except Exception:
        return None


class PublicErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        match = getattr(request, 'resolver_match', None)
        if match is None or not set(match.namespaces) & set(PLUGIN_NAMESPACES):
            return None
        if isinstance(exception, NOT_SERVER_ERRORS) or sees_details(_user(request)):
            return None
        # As NetBox does: error trackers (Sentry) hear of it.
        got_request_exception.send(sender=self.__class__, request=request)
        request_id = str(getattr(request, 'id', '') or '')
        logger.error('event=server_error path=%s request_id=%s', request.path, request_id, exc_info=exception)
        message = public_message(exception, *_roots(_fabric_of(match)))
        if is_api_request(request):
            return JsonResponse({'error': message, 'request_id': request_id}, status=500)
        context = {'message': message, 'request_id': request_id}
        return render(request, 'netbox_hedgehog/server_error.html', context, status=500)
