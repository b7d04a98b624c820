"""The refusals of Block by Block's services: a message for the person, or an empty plot."""


class CoDesignError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class EmptyPlot(Exception):
    """A team's plot holds no block at all in an uploaded world (not the session's world)."""

    def __init__(self, team: str):
        super().__init__(team)
        self.team = team
