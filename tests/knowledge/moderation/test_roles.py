"""Roles: owners from the settings, admins and editors stored; who may grant and revoke what."""

from __future__ import annotations

import pytest

from knowledge.moderation.audit import Actor
from knowledge.moderation.roles import NotAllowed
from knowledge.moderation.service import Moderation
from tests.knowledge.moderation.support import OWNER_ID


def test_roles_are_checked_against_the_stored_role(service: Moderation) -> None:
    assert service.roles.role(OWNER_ID) == "owner"
    service.roles.grant(Actor(OWNER_ID), user_id=20, role="admin", name="Admin")
    service.roles.grant(Actor(20), user_id=21, role="editor")
    with pytest.raises(NotAllowed):
        service.roles.grant(Actor(20), user_id=22, role="admin")
    with pytest.raises(NotAllowed):
        service.roles.grant(Actor(21), user_id=22, role="editor")
    with pytest.raises(NotAllowed):
        service.roles.revoke(Actor(20), user_id=OWNER_ID)
    assert service.roles.role(21, name="Editor Name") == "editor"
    assert [m.name for m in service.roles.moderators()] == ["Admin", "Editor Name"]
    service.roles.revoke(Actor(20), user_id=21)
    assert service.roles.role(21) is None
