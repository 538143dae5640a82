-- Module: messaging (notification types)
-- The one kind messaging sends with private.notify (core's registry): message.received, queued for
-- every participant who has not muted the conversation when a text, image or offer message arrives
-- (see messaging_realtime). Texts in English and Arabic; the body is the message's preview.

insert into private.notification_types (kind, type_group, module, title_key, body_key, deep_link, params, description)
values ('message.received', 'messages', 'messaging', 'message.received.title', 'message.received.body',
        'hyperlocal://conversations/{conversation_id}', array['conversation_id', 'message_id', 'kind', 'preview'],
        'A new message in one of the user''s conversations.');

insert into private.notification_texts (key, locale, text) values
  ('message.received.title', 'en', 'New message'),
  ('message.received.title', 'ar', 'رسالة جديدة'),
  ('message.received.body', 'en', '{preview}'),
  ('message.received.body', 'ar', '{preview}');
