class BrowserDefaultLanguageMiddleware:
    """Pages are in Chinese unless the user picked another language with the switch (a cookie).

    A phone set to English would otherwise get English pages the couriers' trainers never saw; the API
    keeps honouring Accept-Language, as integrations expect (shared/API.md).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
