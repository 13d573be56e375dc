from looker_braze.hub.auth import authorization_header, is_authorized, is_valid_token, new_token

SECRET = "s3cret"


def test_new_token_is_nonce_slash_hex_hmac_sha512():
    token = new_token(SECRET)
    nonce, digest = token.split("/")
    assert len(nonce) == 64 and int(nonce, 16) >= 0
    assert len(digest) == 128 and int(digest, 16) >= 0
    assert is_valid_token(token, SECRET)


def test_reference_hub_token_is_accepted():
    # Computed with Node: crypto.createHmac("sha512", "s3cret").update("abc").digest("hex")
    import hashlib
    import hmac

    digest = hmac.new(b"s3cret", b"abc", hashlib.sha512).hexdigest()
    assert is_valid_token(f"abc/{digest}", SECRET)


def test_tokens_fail_with_another_secret_or_tampering():
    token = new_token(SECRET)
    assert not is_valid_token(token, "other")
    assert not is_valid_token(token[:-1] + ("0" if token[-1] != "0" else "1"), SECRET)
    assert not is_valid_token("no-slash", SECRET)
    assert not is_valid_token("/digest-only", SECRET)
    assert not is_valid_token("nonce/", SECRET)


def test_header_forms():
    token = new_token(SECRET)
    assert is_authorized(authorization_header(token), SECRET)
    assert is_authorized(f'token token="{token}"', SECRET)
    assert not is_authorized(f"Bearer {token}", SECRET)
    assert not is_authorized(None, SECRET)
    assert not is_authorized('Token token=""', SECRET)
