"""The four seed sites Parley was created from: VoiGpt, ChatGpt, ChatGptt, Aichat."""
