"""Telling chit-chat ("hi", "спасибо", "is this true?") from a claim worth checking.

A message is small talk when every word in it is a greeting, a thanks, a filler or a bare question
about truth, in English, Russian or Kazakh, or when it has no words at all (emoji, punctuation).
Anything else, however short ("Назарбаев умер"), is treated as a claim.
"""

from __future__ import annotations

import re

WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)

_ENGLISH = """
hi hello hey heya hiya yo sup greetings morning evening afternoon night good day
thanks thank thx ty you u so much very lot cheers bye goodbye see later ok okay k fine great cool
nice awesome lol haha yes yeah yep no nope sure please pls help start test testing
how are r what who is this that it true real fake really correct right check bot tekser
can could would verify me tell about whats s anyone there
"""
_RUSSIAN = """
привет приветик здравствуй здравствуйте здрасте здрасьте хай добрый доброе доброй утро утра день
вечер вечера ночи спасибо спс благодарю большое огромное пожалуйста пока до свидания ок окей
хорошо ладно ясно понятно да нет ага угу круто класс супер ну как дела дела ты вы кто бот это
эта этот то правда неправда фейк ли проверь проверьте проверить можешь можете помоги помогите
помощь что чё че а и так верно реально действительно тест тестирую скажи скажите подскажи
"""
_KAZAKH = """
сәлем салем сәлеметсіз сәлеметсізбе бе ме ба қалайсыз қалай қайырлы таң күн кеш түн рахмет
рақмет көп сау бол болыңыз иә ия жоқ жақсы бұл осы рас па ма шын шынымен өтірік жалған фейк
тексер тексеріңіз тексеріп көмек көмектес бот кім не
"""
SMALLTALK_WORDS = frozenset((_ENGLISH + _RUSSIAN + _KAZAKH).split())


def words(text: str) -> list[str]:
    return [word.casefold() for word in WORD_RE.findall(text)]


def is_smalltalk(text: str) -> bool:
    """True for greetings, thanks, fillers and bare "is this true?" questions; False for claims."""
    found = words(text)
    return all(word in SMALLTALK_WORDS or (word.isdigit() and len(word) < 3) for word in found)
