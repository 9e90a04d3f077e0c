"""Small helpers the pipeline's pages share: paging (config.paging), the query string of a filtered list, a safe "next" URL."""

from django.utils.http import url_has_allowed_host_and_scheme

from config.paging import page_of  # noqa: F401 (the pages' paging, bounded like the API's)


def next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def querystring(request, **drop) -> str:
    params = request.GET.copy()
    for key in ("page", *drop):
        params.pop(key, None)
    return params.urlencode()
