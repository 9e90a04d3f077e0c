"""REST API of tasks (shared/API.md, "Work"): the list with its `assignee`, `status` and `due_before` filters,
tasks by hand, done and snooze. Everything is looked up through `Task.objects.visible_to`, so other people's
tasks answer 404."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import today_for
from pipeline.api.loop import VisibleClientField

from . import selectors, services
from .display import link_of
from .models import Task
from .selectors import Status


class TaskSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="display_title", read_only=True)
    client_name = serializers.SerializerMethodField()
    assignee_name = serializers.CharField(source="assignee.__str__", read_only=True)
    status = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "kind",
            "title",
            "client",
            "client_name",
            "assignee",
            "assignee_name",
            "due_on",
            "status",
            "snoozed_until",
            "show_on",
            "overdue",
            "escalated_to",
            "escalated_at",
            "close_reason",
            "closed_at",
            "created_by",
            "created_at",
            "link",
        ]
        read_only_fields = fields

    def get_client_name(self, task) -> str:
        return task.client.name if task.client_id else ""

    @extend_schema_field(serializers.ChoiceField(choices=Status.ALL))
    def get_status(self, task) -> str:
        return selectors.status_of(task, self.context["today"])

    def get_overdue(self, task) -> bool:
        return task.status == "open" and task.show_on < self.context["today"]

    def get_link(self, task) -> str:
        return self.context["request"].build_absolute_uri(link_of(task))


@extend_schema_field(OpenApiTypes.INT)
class AssigneeField(serializers.PrimaryKeyRelatedField):
    """A person the caller may give a task to; anybody else does not exist for them."""

    def get_queryset(self):
        return services.assignable_by(self.context["request"].user)


class TaskInput(serializers.Serializer):
    title = serializers.CharField(max_length=services.MAX_TITLE)
    client = VisibleClientField(required=False, allow_null=True, default=None)
    assignee = AssigneeField(required=False, allow_null=True, default=None, help_text="Default: you.")
    due_on = serializers.DateField()


class SnoozeInput(serializers.Serializer):
    until = serializers.DateField(
        help_text="The day the task comes back (after today, at most 90 days ahead)."
    )


class TaskQuery(serializers.Serializer):
    assignee = serializers.CharField(required=False)
    status = serializers.ChoiceField(choices=Status.ALL, required=False)
    due_before = serializers.DateField(required=False)

    def validate_assignee(self, value):
        if value == "me":
            return self.context["request"].user.pk
        if not value.isdecimal():
            raise serializers.ValidationError(_("A person's id, or “me”."))
        return int(value)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("assignee", OpenApiTypes.STR, description="A person's id, or `me`."),
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(Status.ALL)),
            OpenApiParameter("due_before", OpenApiTypes.DATE, description="Due strictly before this day."),
        ]
    ),
    create=extend_schema(request=TaskInput, responses={201: TaskSerializer}),
)
class TaskViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Tasks made by the rules of the loop and by hand: yours, and your people's if you manage them."""

    serializer_class = TaskSerializer

    def _today(self):
        return today_for(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": self._today()}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator, without a user
            return Task.objects.none()
        if self.action != "list":
            return selectors.task_list(self.request.user, today=self._today())
        query = TaskQuery(data=self.request.query_params, context={"request": self.request})
        query.is_valid(raise_exception=True)
        return selectors.task_list(self.request.user, today=self._today(), **query.validated_data)

    def create(self, request, *args, **kwargs):
        data = TaskInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        task = services.task_create(by=request.user, **data.validated_data)
        task = selectors.task_list(request.user, today=self._today()).get(pk=task.pk)
        return Response(self.get_serializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        """Mark the task done (again: no change)."""
        task = services.task_done(task=self.get_object(), by=request.user)
        return Response(self.get_serializer(task).data)

    @extend_schema(request=SnoozeInput, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def snooze(self, request, pk=None):
        """Hide the open task until `until`; it then shows as due that day."""
        data = SnoozeInput(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.task_snooze(
            task=self.get_object(), by=request.user, until=data.validated_data["until"]
        )
        return Response(self.get_serializer(task).data)
