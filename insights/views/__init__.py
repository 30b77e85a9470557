"""Pages where teachers and managers see insights and act on predictions.

Every page needs a login and loads what it shows through `views.permissions`,
which asks `insight_context_viewable` (the capability on the context and, in a
course, an active enrolment or `course:view`): an id of someone else's insight or
prediction gets a 403, a missing one or one of a disabled model a 404, never data.
Actions are POST forms that work without JavaScript; each answers with a message
and a redirect.
"""

from insights.views.insights import insight_actions, insight_detail, insight_list
from insights.views.messages import prediction_message, student_message
from insights.views.notifications import (
    notification_list,
    notification_open,
    notifications_read,
    preferences,
)
from insights.views.predictions import (
    prediction_action,
    prediction_detail,
    prediction_outline,
)

__all__ = [
    "insight_actions",
    "insight_detail",
    "insight_list",
    "notification_list",
    "notification_open",
    "notifications_read",
    "preferences",
    "prediction_action",
    "prediction_detail",
    "prediction_message",
    "prediction_outline",
    "student_message",
]
