app_name = "quota"
urlpatterns = []
