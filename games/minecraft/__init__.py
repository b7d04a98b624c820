"""Block by Block: a real site becomes a Minecraft world; builds come back as renders, metrics and proposals."""
