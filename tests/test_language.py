"""The admin speaks Danish unless a staff member chose English on the Language page; the API follows Accept-Language
unless the caller chose a language."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group

from leads.models import Lead
from renos.middleware import SESSION_KEY
from renos.models import StaffPreferences
from renos.roles import CLEANERS
from tests.admin.helpers import admin_url, messages_of
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

LANGUAGE_PAGE = "/admin/language/"


@pytest.fixture(autouse=True)
def _danish_office(settings):
    settings.LANGUAGE_CODE = "da"  # as in production (the other tests run in English)


def log_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def english_user(db):
    user = UserFactory(username="anna", is_superuser=True)
    StaffPreferences.objects.create(user=user, language="en")
    return user


# --- The admin ---


def test_the_admin_is_danish_by_default_whatever_the_browser_asks(admin_client_logged_in):
    LeadFactory(customer_name="Karen Østergaard")

    response = admin_client_logged_in.get(admin_url(Lead, "changelist"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")

    assert response.status_code == 200
    assert response.headers["Content-Language"] == "da"
    assert "Henvendelser" in response.text
    assert "Vælg henvendelse, der skal ændres" in response.text
    assert "Select lead to change" not in response.text


def test_a_staff_member_who_chose_english_gets_the_admin_in_english(client, english_user):
    LeadFactory(customer_name="Karen Østergaard")
    log_in(client, english_user)

    response = client.get(admin_url(Lead, "changelist"), HTTP_ACCEPT_LANGUAGE="da")

    assert response.headers["Content-Language"] == "en"
    assert "Select lead to change" in response.text
    assert "Henvendelser" not in response.text


def test_a_session_from_before_the_choice_was_kept_picks_it_up(client, english_user):
    log_in(client, english_user)
    session = client.session
    del session[SESSION_KEY]
    session.save()

    response = client.get("/admin/")

    assert response.headers["Content-Language"] == "en"
    assert "Site administration" in response.text or "Today at a glance" in response.text


def test_the_user_tools_link_to_the_language_page(admin_client_logged_in):
    response = admin_client_logged_in.get(admin_url(Lead, "changelist"))

    assert f'<a href="{LANGUAGE_PAGE}?next=/admin/leads/lead/">Sprog</a>' in response.text


# --- The Language page ---


def test_choosing_english_on_the_language_page(client, superuser):
    log_in(client, superuser)
    page = client.get(LANGUAGE_PAGE)
    assert page.status_code == 200
    assert "Sprog" in page.text
    assert page.context["form"]["language"].value() == "da"

    response = client.post(LANGUAGE_PAGE, {"language": "en", "next": "/admin/leads/lead/"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/leads/lead/"
    assert StaffPreferences.objects.get(user=superuser).language == "en"
    assert ("success", "Language saved: English.") in messages_of(response)
    after = client.get("/admin/leads/lead/")
    assert "Select lead to change" in after.text


def test_choosing_danish_again(client, english_user):
    log_in(client, english_user)

    response = client.post(LANGUAGE_PAGE, {"language": "da"}, follow=True)

    assert response.redirect_chain == [(LANGUAGE_PAGE, 302)]
    assert "Sproget er gemt: Dansk." in response.text
    assert StaffPreferences.objects.get(user=english_user).language == "da"


def test_an_unknown_language_is_a_form_error_and_changes_nothing(client, english_user):
    log_in(client, english_user)

    response = client.post(LANGUAGE_PAGE, {"language": "sv"})

    assert response.status_code == 200
    assert "language" in response.context["form"].errors
    assert StaffPreferences.objects.get(user=english_user).language == "en"


def test_a_next_address_on_another_site_is_ignored(client, superuser):
    log_in(client, superuser)

    response = client.post(LANGUAGE_PAGE, {"language": "en", "next": "https://example.org/"})

    assert response.headers["Location"] == LANGUAGE_PAGE


def test_a_cleaner_chooses_a_language_too(client):
    cleaner = UserFactory(username="rengoering")
    cleaner.groups.add(Group.objects.get(name=CLEANERS))
    log_in(client, cleaner)

    response = client.post(LANGUAGE_PAGE, {"language": "en"})

    assert response.status_code == 302
    assert StaffPreferences.objects.get(user=cleaner).language == "en"


def test_the_language_page_needs_a_staff_login(client):
    response = client.get(LANGUAGE_PAGE)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/")


def test_the_language_page_costs_a_fixed_number_of_queries(client, english_user, django_assert_max_num_queries):
    log_in(client, english_user)

    with django_assert_max_num_queries(4):  # session, user, the choice, the message storage is the cookie
        response = client.get(LANGUAGE_PAGE)

    assert response.context["form"]["language"].value() == "en"


# --- The API ---


def required_messages(response) -> set[str]:
    return {message for messages in json.loads(response.content).values() for message in messages}


def token_for(client, user) -> str:
    response = client.post("/api/auth/token/", {"username": user.username, "password": "kodeord-123"}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["access"]


def test_the_api_follows_accept_language_when_no_language_was_chosen(anon_api_client, staff_user):
    anon_api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(anon_api_client, staff_user)}")

    danish = anon_api_client.post("/api/customers/", {}, format="json", HTTP_ACCEPT_LANGUAGE="da")
    english = anon_api_client.post("/api/customers/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert danish.status_code == english.status_code == 400
    assert "Dette felt er påkrævet." in required_messages(danish)
    assert "This field is required." in required_messages(english)
    assert english.headers["Content-Language"] == "en"


def test_the_api_answers_in_the_language_the_caller_chose(anon_api_client, english_user):
    anon_api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(anon_api_client, english_user)}")

    response = anon_api_client.post("/api/customers/", {}, format="json", HTTP_ACCEPT_LANGUAGE="da")

    assert response.status_code == 400
    assert "This field is required." in required_messages(response)
    assert response.headers["Content-Language"] == "en"
    assert "Authorization" in response.headers["Vary"]


def test_a_bad_token_is_still_refused_by_the_api(anon_api_client):
    anon_api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = anon_api_client.get("/api/customers/")

    assert response.status_code == 401
