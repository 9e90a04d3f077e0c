from django.urls import path

from config.urls import urlpatterns as product_urlpatterns

from . import views

urlpatterns = [path("bench/bare-leads/", views.bare_leads), *product_urlpatterns]
