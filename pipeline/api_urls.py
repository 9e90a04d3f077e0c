from . import api_leads_urls, api_loop_urls

urlpatterns = [*api_leads_urls.urlpatterns, *api_loop_urls.urlpatterns]
