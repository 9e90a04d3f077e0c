class ProbeMiddleware:
    """Answers /healthz and /readyz before any other middleware.

    Probes come from inside the deployment (compose, a load balancer) by plain HTTP to the container's own address:
    the HTTPS redirect and the ALLOWED_HOSTS check would refuse them, and they should not fill the request log.
    The answers carry no URL built from the Host header, which is what ALLOWED_HOSTS protects.
    """

    def __init__(self, get_response):
        from . import views

        self.get_response = get_response
        self.probes = {"/healthz": views.healthz, "/readyz": views.readyz}

    def __call__(self, request):
        probe = self.probes.get(request.path_info)
        if probe is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        response = probe(request)
        response.render()
        return response
