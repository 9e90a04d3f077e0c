# API of steps 1-2: leads, clients, competitors, imports.
urlpatterns = []
