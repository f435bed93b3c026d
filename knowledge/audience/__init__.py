"""What Tekser keeps about readers and chats, one module per concept (submissions, votes, language
choices, chat settings, check log, reply links, held forwards, quotas); `Audience` runs them."""
