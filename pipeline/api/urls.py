from . import leads_urls, loop_urls

urlpatterns = [*leads_urls.urlpatterns, *loop_urls.urlpatterns]
