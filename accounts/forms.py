from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Area, Role, Station, User
from .roles import HQ_ROLES


class AreaForm(forms.ModelForm):
    class Meta:
        model = Area
        fields = ["station", "name"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = Station.objects.visible_to(user)
        if user.role == Role.STATION_MASTER:
            self.fields["station"].initial = user.station_id
            self.fields["station"].disabled = True


class PersonForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = User
        fields = [
            "username",
            "display_name",
            "role",
            "station",
            "area",
            "phone",
            "email",
            "date_joined",
            "is_active",
        ]
        widgets = {"date_joined": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = Station.objects.visible_to(user)
        self.fields["area"].queryset = Area.objects.visible_to(user).select_related("station")
        if user.role == Role.STATION_MASTER:
            self.fields["role"].choices = [c for c in Role.choices if c[0] not in HQ_ROLES]
            self.fields["station"].initial = user.station_id
            self.fields["station"].disabled = True
        if self.instance.pk is None:
            self.fields["password"].required = True
            self.fields["password"].help_text = ""

    def _post_clean(self):
        # Model validation runs in the service, where it also covers the API; keep only field parsing here.
        pass
