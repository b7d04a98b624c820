"""Writes for participation: one transaction per user action, validated before anything is saved.

One module per concern; every name is here too, so `from labs.participation import services` and
`services.submit_proposal(...)` work as before."""

from labs.participation.services.calls import (  # noqa: F401
    _clean_phases,
    _require_staff,
    advance_phase,
    close_phase,
    open_call,
    phase_of,
    update_call,
)
from labs.participation.services.checks import (  # noqa: F401
    _URL,
    BLOCKED_WORDS,
    MAX_ATTACHMENT_BYTES,
    MAX_FILES,
    MAX_IMAGE_BYTES,
    ORIGINS,
    RATE_LIMITS,
    ParticipationError,
    _check_not_blocked,
    _coordinate,
    check_rate,
    screen_text,
)
from labs.participation.services.files import (  # noqa: F401
    _FORMAT_OF_SUFFIX,
    _IMAGE_SUFFIX,
    IMAGE_MAX_SIDE,
    RENDITION_WIDTHS,
    _validate_attachment,
    _validate_image,
    clean_image,
    photo_rendition,
)
from labs.participation.services.moderation import (  # noqa: F401
    DISMISS,
    _audit_post,
    _require_moderator,
    _require_moderator_of,
    add_comment,
    block_user,
    dismiss_reports,
    hide,
    report,
    restore,
    unblock_user,
)
from labs.participation.services.proposals import (  # noqa: F401
    answer_proposal,
    carry_to_public,
    edit_proposal,
    submit_proposal,
)
from labs.participation.services.supports import (  # noqa: F401
    _support_open,
    support,
    withdraw_support,
)
from labs.participation.services.women_space import (  # noqa: F401
    _audit_membership,
    _mark_confirmed,
    _require_member_facilitator,
    confirm_member,
    decline_member,
    request_women_space,
)
