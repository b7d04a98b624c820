// Sangkat.Choice: an H5P content type. One question, answers to choose from, feedback for the
// chosen answer, and xAPI "answered" and "completed" statements with the score, sent through
// H5P's own helpers so any H5P player or LRS understands them.
var Sangkat = window.Sangkat = window.Sangkat || {};

Sangkat.Choice = (function (EventDispatcher) {
  "use strict";

  var DEFAULT_L10N = {
    check: "Check", retry: "Try again", correct: "Correct!", wrong: "Not quite.", choose: "Choose an answer first."
  };

  function Choice(params, contentId, extras) {
    EventDispatcher.call(this);
    this.params = params || {};
    this.contentId = contentId;
    this.extras = extras || {};
    this.answers = Array.isArray(this.params.answers) ? this.params.answers : [];
    this.l10n = {};
    for (var key in DEFAULT_L10N) {
      this.l10n[key] = (this.params.l10n && this.params.l10n[key]) || DEFAULT_L10N[key];
    }
    this.chosen = null;
    this.score = 0;
    this.answered = false;
    // Where the learner left off (H5P passes it back when the player keeps her answers).
    var previous = this.extras.previousState;
    if (previous && typeof previous === "object" && typeof previous.chosen === "number" &&
        previous.chosen >= 0 && previous.chosen < this.answers.length && previous.chosen % 1 === 0) {
      this.chosen = previous.chosen;
      this.answered = previous.answered === true;
    }
  }

  Choice.prototype = Object.create(EventDispatcher.prototype);
  Choice.prototype.constructor = Choice;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  Choice.prototype.attach = function ($container) {
    var self = this;
    var root = $container.get ? $container.get(0) : $container;
    root.classList.add("sangkat-choice");
    root.textContent = "";
    var questionId = "sangkat-choice-q-" + this.contentId + (this.subContentId ? "-" + this.subContentId : "");
    root.appendChild(element("p", "sangkat-choice-question", this.params.question || "")).id = questionId;
    var list = element("div", "sangkat-choice-answers");
    list.setAttribute("role", "radiogroup");
    list.setAttribute("aria-labelledby", questionId);
    this.buttons = this.answers.map(function (answer, index) {
      var button = element("button", "sangkat-choice-answer", answer.text || "");
      button.type = "button";
      button.setAttribute("role", "radio");
      button.setAttribute("aria-checked", "false");
      button.addEventListener("click", function () { self.choose(index); });
      list.appendChild(button);
      return button;
    });
    root.appendChild(list);
    this.checkButton = element("button", "sangkat-choice-button", this.l10n.check);
    this.checkButton.type = "button";
    this.checkButton.addEventListener("click", function () {
      if (self.answered) { self.resetTask(); } else { self.check(); }
    });
    root.appendChild(this.checkButton);
    this.feedback = element("p", "sangkat-choice-feedback");
    this.feedback.setAttribute("role", "status");
    this.feedback.setAttribute("aria-live", "polite");
    root.appendChild(this.feedback);
    if (this.chosen !== null) {
      this.buttons[this.chosen].setAttribute("aria-checked", "true");
      if (this.answered) this.showResult();
    }
    this.trigger("resize");
  };

  // What H5P saves for the learner: the chosen answer and whether she checked it.
  Choice.prototype.getCurrentState = function () {
    return { chosen: this.chosen, answered: this.answered };
  };

  Choice.prototype.choose = function (index) {
    if (this.answered) return;
    this.chosen = index;
    this.buttons.forEach(function (button, i) { button.setAttribute("aria-checked", String(i === index)); });
    this.feedback.textContent = "";
    this.feedback.className = "sangkat-choice-feedback";
    this.triggerXAPI("interacted");
  };

  Choice.prototype.check = function () {
    if (this.chosen === null) {
      this.feedback.textContent = this.l10n.choose;
      this.trigger("resize");
      return;
    }
    this.answered = true;
    var right = this.showResult();

    var answered = this.createXAPIEventTemplate("answered");
    this.addQuestionToXAPI(answered);
    answered.setScoredResult(this.score, this.getMaxScore(), this, true, right);
    answered.data.statement.result.response = String(this.chosen);
    this.trigger(answered);
    this.triggerXAPIScored(this.score, this.getMaxScore(), "completed", true, right);
    this.trigger("resize");
  };

  // The checked answer, its feedback and score, shown (also when a saved answer is restored).
  Choice.prototype.showResult = function () {
    var answer = this.answers[this.chosen] || {};
    var right = !!answer.correct;
    this.score = right ? 1 : 0;
    var button = this.buttons[this.chosen];
    button.classList.add(right ? "is-right" : "is-wrong");
    this.feedback.className = "sangkat-choice-feedback " + (right ? "is-right" : "is-wrong");
    this.feedback.textContent = (right ? this.l10n.correct : this.l10n.wrong) + (answer.feedback ? " " + answer.feedback : "");
    this.checkButton.textContent = this.l10n.retry;
    return right;
  };

  // The interaction described the way xAPI's cmi.interaction "choice" expects.
  Choice.prototype.addQuestionToXAPI = function (event) {
    var definition = event.getVerifiedStatementValue(["object", "definition"]);
    // The language the question is written in (a BCP 47 tag such as "km"), for the LRS's reports.
    var language = this.params.language || "en-US";
    definition.description = {};
    definition.description[language] = this.params.question || "";
    definition.type = "http://adlnet.gov/expapi/activities/cmi.interaction";
    definition.interactionType = "choice";
    definition.choices = this.answers.map(function (answer, index) {
      var description = {};
      description[language] = answer.text || "";
      return { id: String(index), description: description };
    });
    definition.correctResponsesPattern = this.answers
      .map(function (answer, index) { return answer.correct ? String(index) : null; })
      .filter(function (id) { return id !== null; });
  };

  Choice.prototype.getXAPIData = function () {
    var event = this.createXAPIEventTemplate("answered");
    this.addQuestionToXAPI(event);
    event.setScoredResult(this.score, this.getMaxScore(), this, this.answered, this.score === this.getMaxScore());
    return { statement: event.data.statement };
  };

  Choice.prototype.getScore = function () { return this.score; };
  Choice.prototype.getMaxScore = function () { return 1; };
  Choice.prototype.getAnswerGiven = function () { return this.answered; };

  Choice.prototype.showSolutions = function () {
    var answers = this.answers;
    this.buttons.forEach(function (button, i) { if (answers[i].correct) button.classList.add("is-right"); });
  };

  Choice.prototype.resetTask = function () {
    this.answered = false;
    this.chosen = null;
    this.score = 0;
    this.buttons.forEach(function (button) {
      button.classList.remove("is-right", "is-wrong");
      button.setAttribute("aria-checked", "false");
    });
    this.feedback.textContent = "";
    this.feedback.className = "sangkat-choice-feedback";
    this.checkButton.textContent = this.l10n.check;
    this.trigger("resize");
  };

  return Choice;
})(H5P.EventDispatcher);
