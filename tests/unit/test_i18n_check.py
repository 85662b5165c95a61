"""The checker that finds English on Polish pages catches it, and leaves quoted English alone."""

from __future__ import annotations

from tests.i18n_check import english_left


def page(body: str) -> str:
    return f'<!doctype html><html lang="pl"><head><title>Strona</title></head><body>{body}</body></html>'


def test_english_interface_text_is_found_in_text_and_attributes():
    assert english_left(page("<p>Zaloguj się</p><a href='/'>Log in</a>"))
    assert english_left(page('<input type="search" placeholder="Search the forum">'))
    assert english_left(page('<button aria-label="Save changes">✓</button>'))
    assert english_left(page('<input type="submit" value="Send the mail">'))


def test_polish_text_and_quoted_english_pass():
    html = page(
        "<p>Dobre praktyki, które działają w bibliotece.</p>"
        '<h2 lang="en">The best of BookTok for your library</h2>'
        '<span translate="no">The Reading Room</span><img alt="Plakat" src="/a.png"><br>'
        "<code>the code</code><p>Nowy wpis</p><label>Adres e-mail</label>"
    )
    assert english_left(html) == []


def test_an_element_in_english_ends_where_it_closes():
    assert english_left(page('<div lang="en"><p>the post</p></div><p>Reply to this</p>'))


def test_polish_e_mail_is_not_english_mail():
    assert english_left(page("<p>Adres e-mail, przegląd e-mailowy, E-maile</p>")) == []
    assert english_left(page("<p>Podaj email</p>"))
    assert english_left(page("<p>Sprawdź mail</p>"))


def test_a_polish_word_is_read_whole():
    # "hasło" and "hasła" begin with "has", "tematy" with nothing English: all Polish.
    assert english_left(page("<p>Hasło, nowe hasła, Twojego hasła</p>")) == []
    assert english_left(page("<p>Hasło has changed</p>"))


def test_the_title_may_quote_what_the_page_marks_as_english_and_nothing_else():
    quoted = (
        '<html lang="pl"><head><title>Przenieś „Posting at 3 am”</title></head>'
        '<body><h1>Przenieś <span lang="en">Posting at 3 am</span></h1></body></html>'
    )
    assert english_left(quoted) == []
    english = (
        '<html lang="pl"><head><title>Log in · BENEFIT</title></head><body><p>Zaloguj się</p></body></html>'
    )
    assert english_left(english)
