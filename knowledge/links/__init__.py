"""Link expansion: fetching the article behind a link safely (address policy, size and time limits)
and extracting its text for matching."""
