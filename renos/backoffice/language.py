"""The Language page: each staff member chooses the language the back office speaks to them (Danish by default)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from renos.middleware import SESSION_KEY
from renos.preferences import staff_language_of, staff_language_set

TEMPLATE = "admin/backoffice/language.html"


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, widget=forms.RadioSelect)


def language_view(request: HttpRequest) -> HttpResponse:
    """GET: the choice as it stands; POST: keep the new one and show the next page in it."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = ""
    current = staff_language_of(request.user) or settings.LANGUAGE_CODE
    form = LanguageForm(request.POST if request.method == "POST" else None, initial={"language": current})
    if form.is_bound and form.is_valid():
        language = form.cleaned_data["language"]
        try:
            staff_language_set(user=request.user, language=language)
        except ValidationError as exc:
            form.add_error("language", exc.messages)
        else:
            request.session[SESSION_KEY] = language
            translation.activate(language)  # the confirmation is in the language just chosen
            message = gettext("Language saved: %(language)s.") % {"language": dict(settings.LANGUAGES)[language]}
            messages.success(request, message)
            return HttpResponseRedirect(next_url or reverse("admin:language"))
    context = {
        **admin.site.each_context(request),
        "title": gettext("Language"),
        "form": form,
        "next": next_url,
    }
    return TemplateResponse(request, TEMPLATE, context)
