"""The client file over its life on the phone and after the matter: what successive exports show the
phone no longer holds (coverage), legal hold, retention and disposal.

One module per thing it decides (see each module's docstring).
"""

from textfile.lifecycle import coverage as coverage  # what successive exports show the phone no longer holds
