"""Forms over the dashboard's own data: a saved view (name, page, shared) and a flag's triage
(reviewed, note, owner). The result-page forms, which read URLs for the upstream, are in
``forms.py``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .forms import reject_control_characters
from .saved_views import local_result_url, saved_view_name_taken
from .triage import review_owners

MAX_NOTE_LENGTH = 500


class SavedViewForm(forms.Form):
    """A new view (``url`` given) or a saved one renamed or (un)shared (``url`` left out)."""

    name = forms.CharField(
        label="Name",
        max_length=80,
        validators=[reject_control_characters],
        widget=forms.TextInput(attrs={"placeholder": "e.g. Morning check: flagged, not reviewed"}),
        error_messages={
            "required": "Give the view a name.",
            "max_length": "Keep the name under 80 characters.",
        },
    )
    shared = forms.BooleanField(label="Shared with everyone", required=False)
    url = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, data: Any = None, *, user: Any, host: str = "", pk: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self.user, self.host, self.pk = user, host, pk
        if pk is not None:  # an existing view keeps the page it was saved with
            del self.fields["url"]

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError("Give the view a name.")
        if saved_view_name_taken(user=self.user, name=name, exclude=self.pk):
            raise ValidationError("You already have a view with this name; choose another.")
        return name

    def clean_url(self) -> str:
        return local_result_url(self.cleaned_data.get("url", ""), host=self.host)


class FlagReviewForm(forms.Form):
    """The triage of one flagged interaction, as the detail page's panel posts it."""

    reviewed = forms.BooleanField(label="Reviewed", required=False)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_NOTE_LENGTH}),
        error_messages={"max_length": f"Keep the note under {MAX_NOTE_LENGTH} characters."},
    )
    owner = forms.ModelChoiceField(
        label="Owner",
        queryset=None,
        required=False,
        empty_label="Nobody",
        error_messages={"invalid_choice": "Choose the owner from the list."},
    )
    next = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = review_owners()

    def clean_note(self) -> str:
        note = self.cleaned_data.get("note", "").strip()
        # line breaks are fine in a note; other control characters are not
        reject_control_characters(note.replace("\r\n", " ").replace("\n", " "))
        return note

    def review(self) -> dict[str, Any]:
        """The choice as ``triage.review_save`` takes it."""
        data = self.cleaned_data
        return {"reviewed": data["reviewed"], "note": data["note"], "owner": data["owner"]}
