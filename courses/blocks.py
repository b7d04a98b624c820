"""StreamField blocks for lessons: text, images with alt text, video, callouts, quizzes and H5P activities."""

from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks import StructBlockValidationError
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link"]


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    alt_text = blocks.CharBlock(
        label=_("alternative text"), max_length=250,
        help_text=_("Describe the picture for people who cannot see it."),
    )
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "courses/blocks/image.html"


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(label=_("video link"))
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=250)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "courses/blocks/video.html"


class CalloutBlock(blocks.StructBlock):
    style = blocks.ChoiceBlock(
        label=_("kind"),
        choices=[("tip", _("Tip")), ("warning", _("Warning")), ("info", _("Good to know"))],
        default="tip",
    )
    text = blocks.TextBlock(label=_("text"))

    class Meta:
        icon = "help"
        label = _("Callout")
        template = "courses/blocks/callout.html"


class AnswerBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("answer"), max_length=300)
    correct = blocks.BooleanBlock(label=_("correct"), required=False)
    feedback = blocks.TextBlock(
        label=_("feedback"), required=False,
        help_text=_("Shown after the learner answers: why this answer is right or wrong."),
    )


QUESTION_KINDS = [
    ("single", _("One correct answer")),
    ("multiple", _("Several correct answers")),
    ("true_false", _("True or false")),
]


class QuestionBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(label=_("kind"), choices=QUESTION_KINDS, default="single")
    prompt = blocks.TextBlock(label=_("question"))
    answers = blocks.ListBlock(AnswerBlock(), label=_("answers"), min_num=2, max_num=8)

    def clean(self, value):
        value = super().clean(value)
        answers = value["answers"]
        correct = sum(1 for answer in answers if answer["correct"])
        kind = value["kind"]
        problem = None
        if correct == 0:
            problem = _("Mark at least one answer as correct.")
        elif kind in ("single", "true_false") and correct != 1:
            problem = _("This kind of question needs exactly one correct answer.")
        elif kind == "true_false" and len(answers) != 2:
            problem = _("A true-or-false question has exactly two answers.")
        if problem:
            raise StructBlockValidationError(block_errors={"answers": ErrorList([ValidationError(problem)])})
        return value


class QuizBlock(blocks.StructBlock):
    """A quiz scored on the server. Its block id identifies it in attempts, across translations."""

    title = blocks.CharBlock(label=_("title"), max_length=150)
    pass_mark = blocks.IntegerBlock(
        label=_("pass mark (%)"), min_value=1, max_value=100, default=60
    )
    questions = blocks.ListBlock(QuestionBlock(), label=_("questions"), min_num=1, max_num=30)

    class Meta:
        icon = "tasks"
        label = _("Quiz")


H5P_COMPLETION = [
    ("completed", _("When the learner completes it")),
    ("passed", _("When the learner passes it")),
    ("score", _("When the score reaches the pass mark")),
]


class H5PActivityBlock(blocks.StructBlock):
    """An H5P package played in a sandboxed frame; its xAPI statements update lesson progress.

    The statement store (courses/xapi) reads `package`, `completion` and `pass_mark` by these names.
    """

    package = SnippetChooserBlock("h5p.H5PPackage", label=_("H5P activity"))
    title = blocks.CharBlock(
        label=_("title"), max_length=150,
        help_text=_("Said by screen readers and shown while the activity loads."),
    )
    completion = blocks.ChoiceBlock(label=_("the activity is done"), choices=H5P_COMPLETION, default="completed")
    pass_mark = blocks.IntegerBlock(
        label=_("pass mark (%)"), min_value=1, max_value=100, default=60,
        help_text=_("Used when the activity is done at a score."),
    )

    class Meta:
        icon = "pick"
        label = _("H5P activity")
        template = "courses/blocks/h5p.html"


class ScormBlock(blocks.StructBlock):
    """A SCORM 1.2 or SCORM 2004 package played in the same sandboxed frame as H5P; its runtime data
    is kept per learner on the server and its status becomes xAPI statements (courses/scorm).

    The statement store (courses/xapi) reads `completion` and `pass_mark` by these names, as for H5P.
    """

    package = SnippetChooserBlock("scorm.ScormPackage", label=_("SCORM package"))
    title = blocks.CharBlock(
        label=_("title"), max_length=150,
        help_text=_("Said by screen readers and shown while the package loads."),
    )
    completion = blocks.ChoiceBlock(label=_("the package is done"), choices=H5P_COMPLETION, default="completed")
    pass_mark = blocks.IntegerBlock(
        label=_("pass mark (%)"), min_value=1, max_value=100, default=60,
        help_text=_("Used when the package is done at a score."),
    )

    class Meta:
        icon = "doc-full"
        label = _("SCORM package")
        template = "courses/blocks/scorm.html"
class Cmi5CourseBlock(blocks.StructBlock):
    """A cmi5 course: its AUs launched per the cmi5 specification in a sandboxed frame; the block is
    done when every AU is satisfied by its moveOn (courses/cmi5)."""

    course = SnippetChooserBlock("cmi5.Cmi5Course", label=_("cmi5 course"))
    title = blocks.CharBlock(
        label=_("title"), max_length=150, help_text=_("Said by screen readers and shown above the course."),
    )

    class Meta:
        icon = "doc-full-inverse"
        label = _("cmi5 course")
        template = "courses/blocks/cmi5.html"


class LessonStreamBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(label=_("Text"), features=TEXT_FEATURES, template="courses/blocks/text.html")
    image = ImageBlock()
    video = VideoBlock()
    callout = CalloutBlock()
    quiz = QuizBlock()
    h5p = H5PActivityBlock()
    scorm = ScormBlock()
    cmi5 = Cmi5CourseBlock()
