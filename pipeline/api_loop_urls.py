# API of steps 3-10: transition, history, step records.
urlpatterns = []
