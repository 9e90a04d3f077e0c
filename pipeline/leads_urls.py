# Pages of steps 1-2: capture, leads, review queue, clients list, screening, import/export.
urlpatterns = []
