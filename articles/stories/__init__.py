"""Stories: one story, one entry — the articles of many outlets about one event, found by their titles.

`wordpiece` and `encoder` turn titles into sentence vectors (all-MiniLM-L6-v2, run offline);
`clustering` assigns vectors to stories incrementally (pure, no database); `assign` runs it over the
pending articles and stores the result; `folding` is what readers' list pages show of it.
"""
