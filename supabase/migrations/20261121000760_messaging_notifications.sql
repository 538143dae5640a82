-- Module: messaging (notification types)
-- The one kind messaging sends with private.notify (core's registry): message.received, queued for
-- every participant who has not muted the conversation when a text, image or offer message arrives
-- (see messaging_realtime). Title: the author's name; body: the first 100 characters of the text, or 📷 / 🏷️ for an image or
-- offer without text (the same in English and Arabic).

insert into private.notification_types (kind, type_group, module, title_key, body_key, deep_link, params, description)
values ('message.received', 'messages', 'messaging', 'message.received.title', 'message.received.body',
        'hyperlocal://conversations/{conversation_id}', array['conversation_id', 'message_id', 'kind', 'sender_name', 'preview'],
        'A new message in one of the user''s conversations.');

insert into private.notification_texts (key, locale, text) values
  ('message.received.title', 'en', '{sender_name}'),
  ('message.received.title', 'ar', '{sender_name}'),
  ('message.received.body', 'en', '{preview}'),
  ('message.received.body', 'ar', '{preview}');
