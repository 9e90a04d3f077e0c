from . import leads_urls, loop_urls

app_name = "pipeline"
urlpatterns = [*leads_urls.urlpatterns, *loop_urls.urlpatterns]
