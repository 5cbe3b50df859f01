"""Events other parts of Newsroom may react to, so the code that changes content need not know
who cares (the page cache, today).

`content_changed`: what readers may see has changed (an import batch was written, an editor
saved in the admin). Sent with `sender=Article`; receivers take `**kwargs`.
"""

from django.dispatch import Signal

content_changed = Signal()
