"""accounts.serializers.user_frame_data: the user as frames show them, exactly UserSerializer's data."""

import pytest

from accounts.serializers import UserSerializer, user_frame_data

pytestmark = pytest.mark.django_db


def test_frames_show_a_user_as_the_serializer_does(make_user):
    plain = make_user("plain")
    named = make_user("named")
    named.display_name = "Ünïcode 名字"
    named.avatar.name = "avatars/named.png"
    for user in (plain, named):
        data = user_frame_data(user)
        assert type(data) is dict and data == dict(UserSerializer(user).data)
    assert user_frame_data(named)["display_name"] == "Ünïcode 名字"
    assert user_frame_data(named)["avatar"].endswith("avatars/named.png")
