"""What Tekser says and does in Telegram: `public/` for readers, groups and inline mode,
`moderation/` for the moderators; here the context every handler reaches, locales and errors."""
