# Pages of steps 3-10: client page and timeline, kanban, funnel, step records.
urlpatterns = []
