"""What Tekser keeps about readers and chats (submissions, votes, languages, check log, held
forwards), with Telegram ids only as keyed hashes."""
