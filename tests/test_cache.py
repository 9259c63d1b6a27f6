"""The user cache folder and its hashed file names (`keras_gan.cache`)."""

from keras_gan import cache


def test_cache_directory_precedence(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_GAN_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_directory() == tmp_path / "home" / ".cache" / "keras-gan"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_directory() == tmp_path / "xdg" / "keras-gan"
    monkeypatch.setenv("KERAS_GAN_CACHE", str(tmp_path / "env"))
    assert cache.cache_directory() == tmp_path / "env"
    assert cache.cache_directory(tmp_path / "explicit") == tmp_path / "explicit"


def test_hash_key_is_order_free_and_slug_is_file_name_safe():
    assert cache.hash_key({"a": 1, "b": [2]}) == cache.hash_key({"b": [2], "a": 1})
    assert cache.hash_key({"a": 1}) != cache.hash_key({"a": 2})
    assert len(cache.hash_key({})) == 16
    assert cache.slug("/data/My Photos/") == "data-My-Photos"
    assert cache.slug("///") == "data"
