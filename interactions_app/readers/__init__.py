"""Reading the files CxEngage keeps with an interaction, bytes in, typed records out.

No HTTP and no Django here: ``services/artifacts.py`` downloads the files and hands their bytes
to these readers; templates show what they return, escaped.

- ``recording``: a recording's length from its WAV header.
- ``transcript``: a chat or SMS transcript as a conversation (who, when, what), or plain text.
- ``email_message``: an email's headers, body as plain text and attachments, from the MIME
  message or from the SDK's manifest and body files.
- ``html_text``: HTML turned into plain text (never rendered).
"""
