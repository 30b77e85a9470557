"""From what the log report shows (event name, component, context) to Moodle's event.

The report shows each event's translated name ("Course viewed", "Curso visto"), not
its class. `EVENTS` maps the names of core and standard-module events back to the
class, component, action, target, crud and education level Moodle declares for them;
`event_resolve` falls back to inference for anything else, so unknown events (other
plug-ins, other languages) are kept with the best guess rather than dropped.

Activity types come from the "Event context" prefix ("File: Slides" is a resource)
and from the "Component" column, in English and Spanish.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from logstore.models import Crud, EduLevel

P = EduLevel.PARTICIPATING
T = EduLevel.TEACHING
O = EduLevel.OTHER  # noqa: E741

# What the report writes before ": name" in "Event context", and in "Component",
# for each activity type (English and Spanish display names). Third-party
# activities map to the closest core type, as noted.
MODULE_NAMES = {
    "assignment": "assign", "tarea": "assign",
    "turnitin assignment 2": "assign", "turnitin assignment": "assign",  # turnitintooltwo
    "book": "book", "libro": "book",
    "chat": "chat",
    "choice": "choice", "consulta": "choice", "eleccion": "choice",
    "database": "data", "base de datos": "data",
    "feedback": "feedback", "retroalimentacion": "feedback", "encuesta": "feedback",
    "file": "resource", "archivo": "resource", "recurso": "resource",
    "folder": "folder", "carpeta": "folder",
    "forum": "forum", "foro": "forum",
    "glossary": "glossary", "glosario": "glossary",
    "ims content package": "imscp", "paquete de contenido ims": "imscp",
    "label": "label", "text and media area": "label", "etiqueta": "label",
    "area de texto y medios": "label",
    "lesson": "lesson", "leccion": "lesson",
    "external tool": "lti", "herramienta externa": "lti",
    "h5p": "lti", "interactive content": "lti", "contenido interactivo": "lti",
    "page": "page", "pagina": "page",
    "quiz": "quiz", "cuestionario": "quiz", "examen": "quiz",
    "realtime quiz": "quiz",  # realtimequiz
    "scorm package": "scorm", "paquete scorm": "scorm", "scorm": "scorm",
    "survey": "survey", "encuestas predefinidas": "survey",
    "url": "url",
    "wiki": "wiki",
    "workshop": "workshop", "taller": "workshop",
}  # fmt: skip
COURSE_NAMES = {"course", "curso", "system", "sistema", "category", "categoria"}
# Component column → Moodle component, where it is not simply mod_<type>.
COMPONENTS = {
    "system": "core", "sistema": "core",
    "turnitin assignment 2": "mod_turnitintooltwo",
    "turnitin assignment": "mod_turnitintool",
    "realtime quiz": "mod_realtimequiz",
    "h5p": "mod_h5pactivity",
    "file submissions": "assignsubmission_file",
    "envios de archivos": "assignsubmission_file",
    "online text submissions": "assignsubmission_onlinetext",
    "envios de texto en linea": "assignsubmission_onlinetext",
    "user report": "gradereport_user", "informe de usuario": "gradereport_user",
    "overview report": "gradereport_overview",
    "grader report": "gradereport_grader", "informe del calificador": "gradereport_grader",
    "logs": "report_log", "registros": "report_log",
}  # fmt: skip
# Fallback type for an activity whose context prefix is unknown.
DEFAULT_MODNAME = "resource"


@dataclass(frozen=True)
class EventSpec:
    """Moodle's declaration of one event; "{mod}" stands for the activity type."""

    eventname: str
    component: str
    action: str
    target: str
    crud: str
    edulevel: int
    objecttable: str = ""


def _spec(cls: str, crud: str, edulevel: int, objecttable: str = "") -> EventSpec:
    component, _event, name = cls.strip("\\").split("\\")
    action = name.rsplit("_", 1)[-1]
    target = name[: -len(action) - 1] if "_" in name else name
    return EventSpec(cls, component, action, target, crud, edulevel, objecttable)


_VIEWED = _spec("\\mod_{mod}\\event\\course_module_viewed", "r", P, "{mod}")
_LIST_VIEWED = _spec("\\mod_{mod}\\event\\course_module_instance_list_viewed", "r", P)

# Keys are the names the report shows, normalised by `_normalise`.
_EVENTS_BY_NAME: list[tuple[tuple[str, ...], EventSpec]] = [
    (("course viewed", "curso visto"), _spec("\\core\\event\\course_viewed", "r", P)),
    (("course module viewed", "modulo de curso visto", "modulo del curso visto"), _VIEWED),
    (("course module instance list viewed", "lista de instancias de modulo de curso vista"), _LIST_VIEWED),
    (("course activity completion updated", "finalizacion de actividad del curso actualizada", "actualizada la finalizacion de la actividad del curso"),
     _spec("\\core\\event\\course_module_completion_updated", "u", P, "course_modules_completion")),
    (("course completed", "curso finalizado", "curso completado"), _spec("\\core\\event\\course_completed", "u", P, "course_completions")),
    (("user list viewed", "lista de usuarios vista"), _spec("\\core\\event\\user_list_viewed", "r", O)),
    (("user profile viewed", "perfil de usuario visto", "perfil del usuario visto"), _spec("\\core\\event\\user_profile_viewed", "r", O, "user")),
    (("badge listing viewed", "listado de insignias visto"), _spec("\\core\\event\\badge_listing_viewed", "r", O)),
    (("user logged in", "usuario conectado", "el usuario ha iniciado sesion"), _spec("\\core\\event\\user_loggedin", "r", O, "user")),
    (("dashboard viewed", "tablero visto", "area personal vista"), _spec("\\core\\event\\dashboard_viewed", "r", O)),
    (("recent activity viewed", "actividad reciente vista"), _spec("\\core\\event\\recent_activity_viewed", "r", P)),
    (("user graded", "usuario calificado"), _spec("\\core\\event\\user_graded", "u", T, "grade_grades")),
    (("grade user report viewed", "informe de usuario de calificaciones visto", "informe de usuario del calificador visto"),
     _spec("\\gradereport_user\\event\\grade_report_viewed", "r", T)),
    (("grade overview report viewed", "informe general de calificaciones visto"), _spec("\\gradereport_overview\\event\\grade_report_viewed", "r", T)),
    (("grader report viewed", "informe del calificador visto"), _spec("\\gradereport_grader\\event\\grade_report_viewed", "r", T)),
    (("role assigned", "rol asignado"), _spec("\\core\\event\\role_assigned", "c", O, "role")),
    (("user enrolled in course", "usuario matriculado en curso", "usuario inscrito en el curso"),
     _spec("\\core\\event\\user_enrolment_created", "c", O, "user_enrolments")),
    (("course module created", "modulo de curso creado"), _spec("\\core\\event\\course_module_created", "c", T, "course_modules")),
    (("course module updated", "modulo de curso actualizado"), _spec("\\core\\event\\course_module_updated", "u", T, "course_modules")),
    (("course module deleted", "modulo de curso eliminado"), _spec("\\core\\event\\course_module_deleted", "d", T, "course_modules")),
    (("course updated", "curso actualizado"), _spec("\\core\\event\\course_updated", "u", T, "course")),
    # Forum
    (("discussion viewed", "tema visto", "debate visto"), _spec("\\mod_forum\\event\\discussion_viewed", "r", P, "forum_discussions")),
    (("discussion created", "tema creado", "debate creado"), _spec("\\mod_forum\\event\\discussion_created", "c", P, "forum_discussions")),
    (("discussion deleted", "tema borrado", "debate eliminado"), _spec("\\mod_forum\\event\\discussion_deleted", "d", P, "forum_discussions")),
    (("post created", "mensaje creado"), _spec("\\mod_forum\\event\\post_created", "c", P, "forum_posts")),
    (("post updated", "mensaje actualizado"), _spec("\\mod_forum\\event\\post_updated", "u", P, "forum_posts")),
    (("post deleted", "mensaje borrado", "mensaje eliminado"), _spec("\\mod_forum\\event\\post_deleted", "d", P, "forum_posts")),
    (("some content has been posted", "se ha publicado algun contenido"), _spec("\\mod_forum\\event\\assessable_uploaded", "c", P, "forum_posts")),
    (("subscription created", "suscripcion creada"), _spec("\\mod_forum\\event\\subscription_created", "c", P, "forum_subscriptions")),
    (("discussion subscription created", "suscripcion al tema creada"),
     _spec("\\mod_forum\\event\\discussion_subscription_created", "c", P, "forum_discussion_subs")),
    # Assignment
    (("the status of the submission has been viewed", "se ha visto el estado del envio", "se ha visualizado el estado de la entrega"),
     _spec("\\mod_assign\\event\\submission_status_viewed", "r", P, "assign")),
    (("submission form viewed", "formulario de envio visto", "formulario de entrega visto"), _spec("\\mod_assign\\event\\submission_form_viewed", "r", P, "assign")),
    (("submission created", "envio creado", "entrega creada"), _spec("\\assignsubmission_file\\event\\submission_created", "c", P, "assign_submission")),
    (("submission updated", "envio actualizado", "entrega actualizada"), _spec("\\assignsubmission_file\\event\\submission_updated", "u", P, "assign_submission")),
    (("a file has been uploaded", "se ha subido un archivo"), _spec("\\assignsubmission_file\\event\\assessable_uploaded", "c", P, "assign_submission")),
    (("an online text has been uploaded", "se ha subido un texto en linea"),
     _spec("\\assignsubmission_onlinetext\\event\\assessable_uploaded", "c", P, "assign_submission")),
    (("a submission has been submitted", "se ha enviado una entrega", "se ha enviado un envio"),
     _spec("\\mod_assign\\event\\assessable_submitted", "u", P, "assign_submission")),
    (("feedback viewed", "retroalimentacion vista", "comentarios vistos"), _spec("\\mod_assign\\event\\feedback_viewed", "r", P, "assign_grades")),
    (("the grading table has been viewed", "grading table viewed", "se ha visto la tabla de calificaciones"),
     _spec("\\mod_assign\\event\\grading_table_viewed", "r", T)),
    (("the grading form has been viewed", "grading form viewed", "se ha visto el formulario de calificacion"),
     _spec("\\mod_assign\\event\\grading_form_viewed", "r", T)),
    (("the submission has been graded", "submission graded", "se ha calificado el envio", "se ha calificado la entrega"),
     _spec("\\mod_assign\\event\\submission_graded", "u", T, "assign_grades")),
    # Quiz
    (("quiz attempt started", "intento de cuestionario iniciado", "intento de examen iniciado"),
     _spec("\\mod_quiz\\event\\attempt_started", "c", P, "quiz_attempts")),
    (("quiz attempt submitted", "intento de cuestionario enviado", "intento de examen enviado"),
     _spec("\\mod_quiz\\event\\attempt_submitted", "u", P, "quiz_attempts")),
    (("quiz attempt reviewed", "intento de cuestionario revisado", "intento de examen revisado"),
     _spec("\\mod_quiz\\event\\attempt_reviewed", "r", P, "quiz_attempts")),
    (("quiz attempt viewed", "intento de cuestionario visto", "intento de examen visto"), _spec("\\mod_quiz\\event\\attempt_viewed", "r", P, "quiz_attempts")),
    (("quiz attempt summary viewed", "resumen del intento de cuestionario visto"), _spec("\\mod_quiz\\event\\attempt_summary_viewed", "r", P, "quiz_attempts")),
    (("quiz attempt abandoned", "intento de cuestionario abandonado"), _spec("\\mod_quiz\\event\\attempt_abandoned", "u", P, "quiz_attempts")),
    # Other standard activities
    (("choice answer added", "choice made", "respuesta de la consulta anadida"), _spec("\\mod_choice\\event\\answer_created", "c", P, "choice_answers")),
    (("response submitted", "respuesta enviada"), _spec("\\mod_feedback\\event\\response_submitted", "c", P, "feedback_completed")),
    (("lesson started", "leccion iniciada"), _spec("\\mod_lesson\\event\\lesson_started", "c", P, "lesson")),
    (("lesson ended", "leccion terminada", "leccion finalizada"), _spec("\\mod_lesson\\event\\lesson_ended", "u", P, "lesson")),
    (("question answered", "pregunta contestada", "pregunta respondida"), _spec("\\mod_lesson\\event\\question_answered", "c", P, "lesson_attempts")),
    (("content page viewed", "pagina de contenido vista"), _spec("\\mod_lesson\\event\\content_page_viewed", "r", P, "lesson_pages")),
    (("chapter viewed", "capitulo visto"), _spec("\\mod_book\\event\\chapter_viewed", "r", P, "book_chapters")),
    (("entry created", "entrada creada"), _spec("\\mod_glossary\\event\\entry_created", "c", P, "glossary_entries")),
    (("wiki page viewed", "pagina wiki vista"), _spec("\\mod_wiki\\event\\page_viewed", "r", P, "wiki_pages")),
    (("wiki page updated", "pagina wiki actualizada"), _spec("\\mod_wiki\\event\\page_updated", "u", P, "wiki_pages")),
    (("message sent", "mensaje enviado"), _spec("\\mod_chat\\event\\message_sent", "c", P, "chat_messages")),
    # Turnitin (mod_turnitintooltwo), common in real exports
    (("list submissions",), EventSpec("\\mod_turnitintooltwo\\event\\list_submissions", "mod_turnitintooltwo", "list", "submissions", "r", P)),
    (("add submission",), EventSpec("\\mod_turnitintooltwo\\event\\add_submission", "mod_turnitintooltwo", "add", "submission", "c", P)),
]  # fmt: skip


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", plain).rstrip(". ")


EVENTS: dict[str, EventSpec] = {
    _normalise(name): spec for names, spec in _EVENTS_BY_NAME for name in names
}

_CRUD_WORDS = [
    (Crud.DELETE, r"delet|remov|borrad|eliminad|unassign|unenrol"),
    (
        Crud.CREATE,
        r"creat|added|\badd\b|upload|post|start|sent|assigned|enrol|anadid|cread|subid|iniciad|enviad",
    ),
    (
        Crud.UPDATE,
        r"updat|submit|grade|chang|modif|complet|end|reset|actualiz|calificad|finaliz",
    ),
]
_TEACHER_WORDS = r"grad(ed|ing|er)|overrid|califica|role|rol |course module (created|updated|deleted)|report"


def event_crud_guess(name: str) -> str:
    """Crud of an unknown event from the verbs in its name ("... viewed" reads)."""
    plain = _normalise(name)
    if re.search(r"view|list|visto|vista|download|descarg|read", plain):
        return Crud.READ
    for crud, pattern in _CRUD_WORDS:
        if re.search(pattern, plain):
            return crud
    return Crud.READ


def event_edulevel_guess(name: str) -> int:
    """Teaching for grading and course-editing events, else participating."""
    return T if re.search(_TEACHER_WORDS, _normalise(name)) else P


def component_resolve(display: str, modname: str | None) -> str:
    """Moodle component of the report's "Component" column (or the activity's type)."""
    plain = _normalise(display)
    if plain in COMPONENTS:
        return COMPONENTS[plain]
    if plain in MODULE_NAMES:
        return f"mod_{MODULE_NAMES[plain]}"
    if modname:
        return f"mod_{modname}"
    slug = re.sub(r"[^a-z0-9]+", "_", plain).strip("_")
    return slug or "core"


def context_resolve(text: str) -> tuple[str | None, str]:
    """(activity type or None for the course, activity name) of "Event context".

    "Forum: General news" is a forum named "General news"; "Course: X", "System"
    and anything that names no activity type mean the course itself. An unknown
    prefix ("Attendance: Week 1") is an activity of DEFAULT_MODNAME.
    """
    text = (text or "").strip()
    prefix, sep, name = text.partition(":")
    plain = _normalise(prefix)
    if not sep or plain in COURSE_NAMES or not name.strip():
        return None, ""
    if plain.startswith("user") or plain.startswith("usuario"):
        return None, ""
    return MODULE_NAMES.get(plain, DEFAULT_MODNAME), name.strip()


def event_resolve(name: str, *, component: str, modname: str | None) -> EventSpec:
    """The event class and its declared properties for a row of the report."""
    spec = EVENTS.get(_normalise(name))
    mod = modname or "course"
    if spec is not None:
        if "{mod}" not in spec.eventname:
            return spec
        # Module events: the component column names the real plug-in (a Turnitin
        # assignment is mod_turnitintooltwo even though we store it as assign).
        resolved = component_resolve(component, modname)
        plugin = resolved[4:] if resolved.startswith("mod_") else mod
        return EventSpec(
            spec.eventname.replace("{mod}", plugin),
            f"mod_{plugin}",
            spec.action,
            spec.target,
            spec.crud,
            spec.edulevel,
            spec.objecttable.replace("{mod}", plugin),
        )
    resolved = component_resolve(component, modname)
    slug = re.sub(r"[^a-z0-9]+", "_", _normalise(name)).strip("_")[:80] or "unknown"
    words = slug.split("_")
    action = words[-1] if len(words) > 1 else "viewed"
    target = "_".join(words[:-1]) if len(words) > 1 else slug
    return EventSpec(
        f"\\{resolved}\\event\\{slug}",
        resolved,
        action[:100],
        target[:100],
        event_crud_guess(name),
        event_edulevel_guess(name),
    )
