
export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[]

export type Database = {
  
  "public": {
          Tables: {
            "audit_log": {
                  Row: {
                    "action": string,"actor_id": string | null,"actor_role": string,"after": Json | null,"before": Json | null,"id": number,"occurred_at": string,"reason": string | null,"request_id": string | null,"target_id": string | null,"target_type": string,"transaction_id": unknown
                  }
                  ComputedFields: never
                  Insert: {
                    "action": string,"actor_id"?: string | null,"actor_role": string,"after"?: Json | null,"before"?: Json | null,"id"?: never,"occurred_at"?: string,"reason"?: string | null,"request_id"?: string | null,"target_id"?: string | null,"target_type": string,"transaction_id"?: unknown
                  }
                  Update: {
                    "action"?: string,"actor_id"?: string | null,"actor_role"?: string,"after"?: Json | null,"before"?: Json | null,"id"?: never,"occurred_at"?: string,"reason"?: string | null,"request_id"?: string | null,"target_id"?: string | null,"target_type"?: string,"transaction_id"?: unknown
                  }
                  Relationships: [
                    
                  ]
                },"availability_rules": {
                  Row: {
                    "created_at": string,"end_time": string,"id": string,"provider_id": string,"start_time": string,"weekday": number
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"end_time": string,"id"?: string,"provider_id": string,"start_time": string,"weekday": number
                  }
                  Update: {
                    "created_at"?: string,"end_time"?: string,"id"?: string,"provider_id"?: string,"start_time"?: string,"weekday"?: number
                  }
                  Relationships: [
                    {
      foreignKeyName: "availability_rules_provider_id_fkey"
      columns: ["provider_id"]
isOneToOne: false
      referencedRelation: "provider_profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"booking_charges": {
                  Row: {
                    "booking_id": string,"breakdown": NonNullable<Json>,"commission": number,"created_at": string,"currency": string,"customer_total": number,"discount": number,"platform_revenue": number,"price": number,"promo_code_id": string | null,"provider_payout": number,"region_id": string | null,"schedule_id": string,"service_fee_net": number,"service_fee_tax": number,"subtotal_net": number,"subtotal_tax": number,"tax": number,"tip": number,"trade_kind": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "booking_id": string,"breakdown": NonNullable<Json>,"commission": number,"created_at"?: string,"currency": string,"customer_total": number,"discount": number,"platform_revenue": number,"price": number,"promo_code_id"?: string | null,"provider_payout": number,"region_id"?: string | null,"schedule_id": string,"service_fee_net": number,"service_fee_tax": number,"subtotal_net": number,"subtotal_tax": number,"tax": number,"tip": number,"trade_kind": string,"updated_at"?: string
                  }
                  Update: {
                    "booking_id"?: string,"breakdown"?: NonNullable<Json>,"commission"?: number,"created_at"?: string,"currency"?: string,"customer_total"?: number,"discount"?: number,"platform_revenue"?: number,"price"?: number,"promo_code_id"?: string | null,"provider_payout"?: number,"region_id"?: string | null,"schedule_id"?: string,"service_fee_net"?: number,"service_fee_tax"?: number,"subtotal_net"?: number,"subtotal_tax"?: number,"tax"?: number,"tip"?: number,"trade_kind"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "booking_charges_booking_id_fkey"
      columns: ["booking_id"]
isOneToOne: true
      referencedRelation: "bookings"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "booking_charges_promo_code_id_fkey"
      columns: ["promo_code_id"]
isOneToOne: false
      referencedRelation: "promo_codes"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "booking_charges_region_id_fkey"
      columns: ["region_id"]
isOneToOne: false
      referencedRelation: "money_regions"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "booking_charges_schedule_id_fkey"
      columns: ["schedule_id"]
isOneToOne: false
      referencedRelation: "fee_schedules"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "booking_charges_schedule_id_fkey"
      columns: ["schedule_id"]
isOneToOne: false
      referencedRelation: "operator_fee_schedules"
      referencedColumns: ["id"]
    }
                  ]
                },"booking_events": {
                  Row: {
                    "actor_id": string | null,"actor_role": string,"booking_id": string,"created_at": string,"from_state": string | null,"id": number,"metadata": NonNullable<Json>,"reason": string | null,"to_state": string,"transition": string
                  }
                  ComputedFields: never
                  Insert: {
                    "actor_id"?: string | null,"actor_role": string,"booking_id": string,"created_at"?: string,"from_state"?: string | null,"id"?: never,"metadata"?: NonNullable<Json>,"reason"?: string | null,"to_state": string,"transition": string
                  }
                  Update: {
                    "actor_id"?: string | null,"actor_role"?: string,"booking_id"?: string,"created_at"?: string,"from_state"?: string | null,"id"?: never,"metadata"?: NonNullable<Json>,"reason"?: string | null,"to_state"?: string,"transition"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "booking_events_actor_id_fkey"
      columns: ["actor_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "booking_events_booking_id_fkey"
      columns: ["booking_id"]
isOneToOne: false
      referencedRelation: "bookings"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "booking_events_from_state_fkey"
      columns: ["from_state"]
isOneToOne: false
      referencedRelation: "booking_states"
      referencedColumns: ["state"]
    },{
      foreignKeyName: "booking_events_to_state_fkey"
      columns: ["to_state"]
isOneToOne: false
      referencedRelation: "booking_states"
      referencedColumns: ["state"]
    }
                  ]
                },"booking_reschedules": {
                  Row: {
                    "answer_reason": string | null,"answered_by": string | null,"booking_id": string,"closed_at": string | null,"created_at": string,"expires_at": string,"id": string,"previous_period": unknown,"proposed_by": string | null,"proposed_period": unknown,"proposer_role": string,"reason": string,"status": string
                  }
                  ComputedFields: never
                  Insert: {
                    "answer_reason"?: string | null,"answered_by"?: string | null,"booking_id": string,"closed_at"?: string | null,"created_at"?: string,"expires_at": string,"id"?: string,"previous_period": unknown,"proposed_by"?: string | null,"proposed_period": unknown,"proposer_role": string,"reason": string,"status"?: string
                  }
                  Update: {
                    "answer_reason"?: string | null,"answered_by"?: string | null,"booking_id"?: string,"closed_at"?: string | null,"created_at"?: string,"expires_at"?: string,"id"?: string,"previous_period"?: unknown,"proposed_by"?: string | null,"proposed_period"?: unknown,"proposer_role"?: string,"reason"?: string,"status"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "booking_reschedules_answered_by_fkey"
      columns: ["answered_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "booking_reschedules_booking_id_fkey"
      columns: ["booking_id"]
isOneToOne: false
      referencedRelation: "bookings"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "booking_reschedules_proposed_by_fkey"
      columns: ["proposed_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"booking_states": {
                  Row: {
                    "description": string,"holds_time": boolean,"is_terminal": boolean,"reveals_contact": boolean,"sort_order": number,"state": string
                  }
                  ComputedFields: never
                  Insert: {
                    "description": string,"holds_time": boolean,"is_terminal": boolean,"reveals_contact": boolean,"sort_order": number,"state": string
                  }
                  Update: {
                    "description"?: string,"holds_time"?: boolean,"is_terminal"?: boolean,"reveals_contact"?: boolean,"sort_order"?: number,"state"?: string
                  }
                  Relationships: [
                    
                  ]
                },"booking_transitions": {
                  Row: {
                    "actors": (string)[],"description": string,"from_state": string,"name": string,"staff_may": boolean,"to_state": string
                  }
                  ComputedFields: never
                  Insert: {
                    "actors": (string)[],"description": string,"from_state": string,"name": string,"staff_may"?: boolean,"to_state": string
                  }
                  Update: {
                    "actors"?: (string)[],"description"?: string,"from_state"?: string,"name"?: string,"staff_may"?: boolean,"to_state"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "booking_transitions_from_state_fkey"
      columns: ["from_state"]
isOneToOne: false
      referencedRelation: "booking_states"
      referencedColumns: ["state"]
    },{
      foreignKeyName: "booking_transitions_to_state_fkey"
      columns: ["to_state"]
isOneToOne: false
      referencedRelation: "booking_states"
      referencedColumns: ["state"]
    }
                  ]
                },"bookings": {
                  Row: {
                    "accepted_at": string | null,"business_id": string | null,"cancel_reason": string | null,"cancellation_policy": NonNullable<Json>,"cancelled_at": string | null,"cancelled_by": string | null,"cancelled_late": boolean | null,"completed_at": string | null,"created_at": string,"currency": string,"customer_id": string,"customer_note": string | null,"free_cancellation_until": string | null,"id": string,"listing_id": string | null,"number": number,"period": unknown,"price": number,"provider_id": string,"reference": string | null,"request_expires_at": string | null,"start_code_attempts": number,"started_at": string | null,"status": string,"status_changed_at": string | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "accepted_at"?: string | null,"business_id"?: string | null,"cancel_reason"?: string | null,"cancellation_policy"?: NonNullable<Json>,"cancelled_at"?: string | null,"cancelled_by"?: string | null,"cancelled_late"?: boolean | null,"completed_at"?: string | null,"created_at"?: string,"currency": string,"customer_id": string,"customer_note"?: string | null,"free_cancellation_until"?: string | null,"id"?: string,"listing_id"?: string | null,"number"?: never,"period": unknown,"price": number,"provider_id": string,"reference"?: never,"request_expires_at"?: string | null,"start_code_attempts"?: number,"started_at"?: string | null,"status"?: string,"status_changed_at"?: string | null,"updated_at"?: string
                  }
                  Update: {
                    "accepted_at"?: string | null,"business_id"?: string | null,"cancel_reason"?: string | null,"cancellation_policy"?: NonNullable<Json>,"cancelled_at"?: string | null,"cancelled_by"?: string | null,"cancelled_late"?: boolean | null,"completed_at"?: string | null,"created_at"?: string,"currency"?: string,"customer_id"?: string,"customer_note"?: string | null,"free_cancellation_until"?: string | null,"id"?: string,"listing_id"?: string | null,"number"?: never,"period"?: unknown,"price"?: number,"provider_id"?: string,"reference"?: never,"request_expires_at"?: string | null,"start_code_attempts"?: number,"started_at"?: string | null,"status"?: string,"status_changed_at"?: string | null,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "bookings_business_id_fkey"
      columns: ["business_id"]
isOneToOne: false
      referencedRelation: "businesses"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "bookings_customer_id_fkey"
      columns: ["customer_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "bookings_listing_id_fkey"
      columns: ["listing_id"]
isOneToOne: false
      referencedRelation: "service_listings"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "bookings_provider_id_fkey"
      columns: ["provider_id"]
isOneToOne: false
      referencedRelation: "provider_profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "bookings_status_fkey"
      columns: ["status"]
isOneToOne: false
      referencedRelation: "booking_states"
      referencedColumns: ["state"]
    }
                  ]
                },"buddies": {
                  Row: {
                    "buddy_id": string,"created_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "buddy_id": string,"created_at"?: string,"user_id": string
                  }
                  Update: {
                    "buddy_id"?: string,"created_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "buddies_buddy_id_fkey"
      columns: ["buddy_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "buddies_user_id_fkey"
      columns: ["user_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"business_members": {
                  Row: {
                    "added_by": string | null,"business_id": string,"created_at": string,"role": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "added_by"?: string | null,"business_id": string,"created_at"?: string,"role": string,"user_id": string
                  }
                  Update: {
                    "added_by"?: string | null,"business_id"?: string,"created_at"?: string,"role"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "business_members_added_by_fkey"
      columns: ["added_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "business_members_business_id_fkey"
      columns: ["business_id"]
isOneToOne: false
      referencedRelation: "businesses"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "business_members_user_id_fkey"
      columns: ["user_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"businesses": {
                  Row: {
                    "closed_at": string | null,"created_at": string,"description": string | null,"id": string,"is_verified": boolean,"logo_path": string | null,"name": string,"owner_id": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "closed_at"?: string | null,"created_at"?: string,"description"?: string | null,"id"?: string,"is_verified"?: boolean,"logo_path"?: string | null,"name": string,"owner_id": string,"updated_at"?: string
                  }
                  Update: {
                    "closed_at"?: string | null,"created_at"?: string,"description"?: string | null,"id"?: string,"is_verified"?: boolean,"logo_path"?: string | null,"name"?: string,"owner_id"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "businesses_owner_id_fkey"
      columns: ["owner_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"categories": {
                  Row: {
                    "cancellation_policy": Json | null,"created_at": string,"default_pricing_unit": string,"icon": string | null,"id": string,"is_active": boolean,"kind": string,"names": NonNullable<Json>,"parent_id": string | null,"path_ids": (string)[],"slug": string,"sort_order": number,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "cancellation_policy"?: Json | null,"created_at"?: string,"default_pricing_unit"?: string,"icon"?: string | null,"id"?: string,"is_active"?: boolean,"kind"?: string,"names": NonNullable<Json>,"parent_id"?: string | null,"path_ids"?: (string)[],"slug": string,"sort_order"?: number,"updated_at"?: string
                  }
                  Update: {
                    "cancellation_policy"?: Json | null,"created_at"?: string,"default_pricing_unit"?: string,"icon"?: string | null,"id"?: string,"is_active"?: boolean,"kind"?: string,"names"?: NonNullable<Json>,"parent_id"?: string | null,"path_ids"?: (string)[],"slug"?: string,"sort_order"?: number,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "categories_parent_id_fkey"
      columns: ["parent_id"]
isOneToOne: false
      referencedRelation: "categories"
      referencedColumns: ["id"]
    }
                  ]
                },"conversation_participants": {
                  Row: {
                    "archived_at": string | null,"conversation_id": string,"created_at": string,"last_activity_at": string,"last_read_at": string | null,"last_read_message_id": number | null,"muted_until": string | null,"unread_count": number,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "archived_at"?: string | null,"conversation_id": string,"created_at"?: string,"last_activity_at"?: string,"last_read_at"?: string | null,"last_read_message_id"?: number | null,"muted_until"?: string | null,"unread_count"?: number,"user_id": string
                  }
                  Update: {
                    "archived_at"?: string | null,"conversation_id"?: string,"created_at"?: string,"last_activity_at"?: string,"last_read_at"?: string | null,"last_read_message_id"?: number | null,"muted_until"?: string | null,"unread_count"?: number,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "conversation_participants_conversation_id_fkey"
      columns: ["conversation_id"]
isOneToOne: false
      referencedRelation: "conversations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "conversation_participants_user_id_fkey"
      columns: ["user_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"conversations": {
                  Row: {
                    "business_id": string | null,"business_user_id": string | null,"context_id": string | null,"context_kind": string,"created_at": string,"created_by": string | null,"id": string,"last_activity_at": string,"last_message_at": string | null,"last_message_id": number | null,"message_count": number,"user_high": string,"user_low": string
                  }
                  ComputedFields: never
                  Insert: {
                    "business_id"?: string | null,"business_user_id"?: string | null,"context_id"?: string | null,"context_kind": string,"created_at"?: string,"created_by"?: string | null,"id"?: string,"last_activity_at"?: string,"last_message_at"?: string | null,"last_message_id"?: number | null,"message_count"?: number,"user_high": string,"user_low": string
                  }
                  Update: {
                    "business_id"?: string | null,"business_user_id"?: string | null,"context_id"?: string | null,"context_kind"?: string,"created_at"?: string,"created_by"?: string | null,"id"?: string,"last_activity_at"?: string,"last_message_at"?: string | null,"last_message_id"?: number | null,"message_count"?: number,"user_high"?: string,"user_low"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "conversations_business_id_fkey"
      columns: ["business_id"]
isOneToOne: false
      referencedRelation: "businesses"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "conversations_created_by_fkey"
      columns: ["created_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "conversations_user_high_fkey"
      columns: ["user_high"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "conversations_user_low_fkey"
      columns: ["user_low"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"device_tokens": {
                  Row: {
                    "created_at": string,"id": string,"last_seen_at": string,"locale": string,"platform": string,"token": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"id"?: string,"last_seen_at"?: string,"locale"?: string,"platform": string,"token": string,"user_id": string
                  }
                  Update: {
                    "created_at"?: string,"id"?: string,"last_seen_at"?: string,"locale"?: string,"platform"?: string,"token"?: string,"user_id"?: string
                  }
                  Relationships: [
                    
                  ]
                },"dispute_events": {
                  Row: {
                    "actor_id": string | null,"actor_side": string,"body": string | null,"created_at": string,"dispute_id": string,"event": string,"evidence": (string)[],"id": number,"metadata": NonNullable<Json>
                  }
                  ComputedFields: never
                  Insert: {
                    "actor_id"?: string | null,"actor_side": string,"body"?: string | null,"created_at": string,"dispute_id": string,"event": string,"evidence"?: (string)[],"id"?: never,"metadata"?: NonNullable<Json>
                  }
                  Update: {
                    "actor_id"?: string | null,"actor_side"?: string,"body"?: string | null,"created_at"?: string,"dispute_id"?: string,"event"?: string,"evidence"?: (string)[],"id"?: never,"metadata"?: NonNullable<Json>
                  }
                  Relationships: [
                    {
      foreignKeyName: "dispute_events_actor_id_fkey"
      columns: ["actor_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "dispute_events_dispute_id_fkey"
      columns: ["dispute_id"]
isOneToOne: false
      referencedRelation: "disputes"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "dispute_events_dispute_id_fkey"
      columns: ["dispute_id"]
isOneToOne: false
      referencedRelation: "operator_dispute_queue"
      referencedColumns: ["dispute_id"]
    }
                  ]
                },"disputes": {
                  Row: {
                    "amount": number,"business_id": string | null,"currency": string,"customer_id": string,"details": string | null,"escalated_at": string | null,"id": string,"opened_at": string,"opened_by": string | null,"opener_side": string,"outcome": string | null,"provider_id": string,"reason": string,"refund_amount": number | null,"resolution_reason": string | null,"resolved_at": string | null,"resolved_by": string | null,"resolved_by_role": string | null,"statement_due_at": string,"status": string,"trade_id": string,"trade_kind": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "amount": number,"business_id"?: string | null,"currency": string,"customer_id": string,"details"?: string | null,"escalated_at"?: string | null,"id"?: string,"opened_at": string,"opened_by"?: string | null,"opener_side": string,"outcome"?: string | null,"provider_id": string,"reason": string,"refund_amount"?: number | null,"resolution_reason"?: string | null,"resolved_at"?: string | null,"resolved_by"?: string | null,"resolved_by_role"?: string | null,"statement_due_at": string,"status"?: string,"trade_id": string,"trade_kind": string,"updated_at"?: string
                  }
                  Update: {
                    "amount"?: number,"business_id"?: string | null,"currency"?: string,"customer_id"?: string,"details"?: string | null,"escalated_at"?: string | null,"id"?: string,"opened_at"?: string,"opened_by"?: string | null,"opener_side"?: string,"outcome"?: string | null,"provider_id"?: string,"reason"?: string,"refund_amount"?: number | null,"resolution_reason"?: string | null,"resolved_at"?: string | null,"resolved_by"?: string | null,"resolved_by_role"?: string | null,"statement_due_at"?: string,"status"?: string,"trade_id"?: string,"trade_kind"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "disputes_business_id_fkey"
      columns: ["business_id"]
isOneToOne: false
      referencedRelation: "businesses"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "disputes_customer_id_fkey"
      columns: ["customer_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "disputes_opened_by_fkey"
      columns: ["opened_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "disputes_provider_id_fkey"
      columns: ["provider_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "disputes_resolved_by_fkey"
      columns: ["resolved_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"fee_schedules": {
                  Row: {
                    "category_id": string | null,"commission_bps": number,"commission_max": number | null,"commission_min": number,"created_at": string,"currency": string,"effective_from": string,"effective_until": string | null,"id": string,"note": string | null,"region_id": string | null,"service_fee_bps": number,"service_fee_fixed": number,"service_fee_max": number | null,"trade_kind": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "category_id"?: string | null,"commission_bps": number,"commission_max"?: number | null,"commission_min"?: number,"created_at"?: string,"currency": string,"effective_from"?: string,"effective_until"?: string | null,"id"?: string,"note"?: string | null,"region_id"?: string | null,"service_fee_bps"?: number,"service_fee_fixed"?: number,"service_fee_max"?: number | null,"trade_kind": string,"updated_at"?: string
                  }
                  Update: {
                    "category_id"?: string | null,"commission_bps"?: number,"commission_max"?: number | null,"commission_min"?: number,"created_at"?: string,"currency"?: string,"effective_from"?: string,"effective_until"?: string | null,"id"?: string,"note"?: string | null,"region_id"?: string | null,"service_fee_bps"?: number,"service_fee_fixed"?: number,"service_fee_max"?: number | null,"trade_kind"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "fee_schedules_category_id_fkey"
      columns: ["category_id"]
isOneToOne: false
      referencedRelation: "categories"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "fee_schedules_region_id_fkey"
      columns: ["region_id"]
isOneToOne: false
      referencedRelation: "money_regions"
      referencedColumns: ["id"]
    }
                  ]
                },"job_matches": {
                  Row: {
                    "created_at": string,"declined_at": string | null,"distance_m": number | null,"job_id": string,"notified_at": string | null,"provider_id": string,"rank": number | null,"responded_at": string | null,"score": number | null,"source": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"declined_at"?: string | null,"distance_m"?: number | null,"job_id": string,"notified_at"?: string | null,"provider_id": string,"rank"?: number | null,"responded_at"?: string | null,"score"?: number | null,"source": string
                  }
                  Update: {
                    "created_at"?: string,"declined_at"?: string | null,"distance_m"?: number | null,"job_id"?: string,"notified_at"?: string | null,"provider_id"?: string,"rank"?: number | null,"responded_at"?: string | null,"score"?: number | null,"source"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "job_matches_job_id_fkey"
      columns: ["job_id"]
isOneToOne: false
      referencedRelation: "job_requests"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "job_matches_provider_id_fkey"
      columns: ["provider_id"]
isOneToOne: false
      referencedRelation: "provider_profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"job_offer_events": {
                  Row: {
                    "action": string,"actor_id": string | null,"actor_role": string,"created_at": string,"from_status": string | null,"id": number,"job_id": string,"message": string | null,"offer_id": string,"price": number | null,"provider_id": string,"to_status": string
                  }
                  ComputedFields: never
                  Insert: {
                    "action": string,"actor_id"?: string | null,"actor_role": string,"created_at"?: string,"from_status"?: string | null,"id"?: never,"job_id": string,"message"?: string | null,"offer_id": string,"price"?: number | null,"provider_id": string,"to_status": string
                  }
                  Update: {
                    "action"?: string,"actor_id"?: string | null,"actor_role"?: string,"created_at"?: string,"from_status"?: string | null,"id"?: never,"job_id"?: string,"message"?: string | null,"offer_id"?: string,"price"?: number | null,"provider_id"?: string,"to_status"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "job_offer_events_actor_id_fkey"
      columns: ["actor_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "job_offer_events_job_id_fkey"
      columns: ["job_id"]
isOneToOne: false
      referencedRelation: "job_requests"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "job_offer_events_offer_id_fkey"
      columns: ["offer_id"]
isOneToOne: false
      referencedRelation: "job_offers"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "job_offer_events_provider_id_fkey"
      columns: ["provider_id"]
isOneToOne: false
      referencedRelation: "provider_profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"job_offers": {
                  Row: {
                    "accepted_at": string | null,"accepted_price": number | null,"booking_id": string | null,"closed_at": string | null,"counter_message": string | null,"counter_price": number | null,"countered_at": string | null,"created_at": string,"currency": string,"duration_minutes": number,"expires_at": string,"id": string,"job_id": string,"message": string | null,"price": number,"proposed_start": string,"provider_id": string,"status": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "accepted_at"?: string | null,"accepted_price"?: number | null,"booking_id"?: string | null,"closed_at"?: string | null,"counter_message"?: string | null,"counter_price"?: number | null,"countered_at"?: string | null,"created_at"?: string,"currency": string,"duration_minutes": number,"expires_at": string,"id"?: string,"job_id": string,"message"?: string | null,"price": number,"proposed_start": string,"provider_id": string,"status"?: string,"updated_at"?: string
                  }
                  Update: {
                    "accepted_at"?: string | null,"accepted_price"?: number | null,"booking_id"?: string | null,"closed_at"?: string | null,"counter_message"?: string | null,"counter_price"?: number | null,"countered_at"?: string | null,"created_at"?: string,"currency"?: string,"duration_minutes"?: number,"expires_at"?: string,"id"?: string,"job_id"?: string,"message"?: string | null,"price"?: number,"proposed_start"?: string,"provider_id"?: string,"status"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "job_offers_booking_id_fkey"
      columns: ["booking_id"]
isOneToOne: false
      referencedRelation: "bookings"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "job_offers_job_id_fkey"
      columns: ["job_id"]
isOneToOne: false
      referencedRelation: "job_requests"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "job_offers_provider_id_fkey"
      columns: ["provider_id"]
isOneToOne: false
      referencedRelation: "provider_profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"job_requests": {
                  Row: {
                    "accepted_offer_id": string | null,"assigned_at": string | null,"booking_id": string | null,"budget_kind": string,"budget_max": number,"budget_min": number,"cancel_reason": string | null,"cancelled_at": string | null,"category_id": string,"created_at": string,"currency": string,"customer_id": string,"description": string | null,"direct_closed_at": string | null,"direct_until": string | null,"duration_minutes": number,"expired_at": string | null,"expires_at": string,"fuzzed_location": unknown,"hidden_at": string | null,"id": string,"is_asap": boolean,"is_instant": boolean,"neighbourhood": string | null,"notified_count": number,"photo_paths": (string)[],"preferred_window": unknown,"reopen_count": number,"reopened_at": string | null,"status": string,"title": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "accepted_offer_id"?: string | null,"assigned_at"?: string | null,"booking_id"?: string | null,"budget_kind": string,"budget_max": number,"budget_min": number,"cancel_reason"?: string | null,"cancelled_at"?: string | null,"category_id": string,"created_at"?: string,"currency": string,"customer_id": string,"description"?: string | null,"direct_closed_at"?: string | null,"direct_until"?: string | null,"duration_minutes": number,"expired_at"?: string | null,"expires_at": string,"fuzzed_location": unknown,"hidden_at"?: string | null,"id"?: string,"is_asap"?: boolean,"is_instant"?: boolean,"neighbourhood"?: string | null,"notified_count"?: number,"photo_paths"?: (string)[],"preferred_window"?: unknown,"reopen_count"?: number,"reopened_at"?: string | null,"status"?: string,"title": string,"updated_at"?: string
                  }
                  Update: {
                    "accepted_offer_id"?: string | null,"assigned_at"?: string | null,"booking_id"?: string | null,"budget_kind"?: string,"budget_max"?: number,"budget_min"?: number,"cancel_reason"?: string | null,"cancelled_at"?: string | null,"category_id"?: string,"created_at"?: string,"currency"?: string,"customer_id"?: string,"description"?: string | null,"direct_closed_at"?: string | null,"direct_until"?: string | null,"duration_minutes"?: number,"expired_at"?: string | null,"expires_at"?: string,"fuzzed_location"?: unknown,"hidden_at"?: string | null,"id"?: string,"is_asap"?: boolean,"is_instant"?: boolean,"neighbourhood"?: string | null,"notified_count"?: number,"photo_paths"?: (string)[],"preferred_window"?: unknown,"reopen_count"?: number,"reopened_at"?: string | null,"status"?: string,"title"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "job_requests_accepted_offer_id_fkey"
      columns: ["accepted_offer_id"]
isOneToOne: false
      referencedRelation: "job_offers"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "job_requests_booking_id_fkey"
      columns: ["booking_id"]
isOneToOne: false
      referencedRelation: "bookings"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "job_requests_category_id_fkey"
      columns: ["category_id"]
isOneToOne: false
      referencedRelation: "categories"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "job_requests_customer_id_fkey"
      columns: ["customer_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"messages": {
                  Row: {
                    "attachment_path": string | null,"author_id": string | null,"body": string | null,"client_key": string | null,"conversation_id": string,"created_at": string,"deleted_at": string | null,"edited_at": string | null,"hidden_at": string | null,"id": number,"kind": string,"payload": Json | null,"sender_id": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "attachment_path"?: string | null,"author_id"?: string | null,"body"?: string | null,"client_key"?: string | null,"conversation_id": string,"created_at"?: string,"deleted_at"?: string | null,"edited_at"?: string | null,"hidden_at"?: string | null,"id"?: never,"kind": string,"payload"?: Json | null,"sender_id"?: string | null
                  }
                  Update: {
                    "attachment_path"?: string | null,"author_id"?: string | null,"body"?: string | null,"client_key"?: string | null,"conversation_id"?: string,"created_at"?: string,"deleted_at"?: string | null,"edited_at"?: string | null,"hidden_at"?: string | null,"id"?: never,"kind"?: string,"payload"?: Json | null,"sender_id"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "messages_conversation_id_fkey"
      columns: ["conversation_id"]
isOneToOne: false
      referencedRelation: "conversations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "messages_sender_id_fkey"
      columns: ["sender_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"moderation_actions": {
                  Row: {
                    "action": string,"actor_id": string | null,"created_at": string,"id": number,"kind": string,"reason": string,"reports_closed": number,"target_id": string,"user_id": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "action": string,"actor_id"?: string | null,"created_at"?: string,"id"?: never,"kind": string,"reason": string,"reports_closed"?: number,"target_id": string,"user_id"?: string | null
                  }
                  Update: {
                    "action"?: string,"actor_id"?: string | null,"created_at"?: string,"id"?: never,"kind"?: string,"reason"?: string,"reports_closed"?: number,"target_id"?: string,"user_id"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "moderation_actions_actor_id_fkey"
      columns: ["actor_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "moderation_actions_user_id_fkey"
      columns: ["user_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"money_config_history": {
                  Row: {
                    "action": string,"actor_id": string | null,"actor_role": string,"changed_at": string,"id": number,"new_row": Json | null,"old_row": Json | null,"row_id": string,"table_name": string
                  }
                  ComputedFields: never
                  Insert: {
                    "action": string,"actor_id"?: string | null,"actor_role": string,"changed_at"?: string,"id"?: never,"new_row"?: Json | null,"old_row"?: Json | null,"row_id": string,"table_name": string
                  }
                  Update: {
                    "action"?: string,"actor_id"?: string | null,"actor_role"?: string,"changed_at"?: string,"id"?: never,"new_row"?: Json | null,"old_row"?: Json | null,"row_id"?: string,"table_name"?: string
                  }
                  Relationships: [
                    
                  ]
                },"money_regions": {
                  Row: {
                    "boundary": unknown,"code": string,"created_at": string,"currency": string,"id": string,"name": string,"prices_include_tax": boolean,"updated_at": string,"vat_rate": number
                  }
                  ComputedFields: never
                  Insert: {
                    "boundary": unknown,"code": string,"created_at"?: string,"currency": string,"id"?: string,"name": string,"prices_include_tax": boolean,"updated_at"?: string,"vat_rate": number
                  }
                  Update: {
                    "boundary"?: unknown,"code"?: string,"created_at"?: string,"currency"?: string,"id"?: string,"name"?: string,"prices_include_tax"?: boolean,"updated_at"?: string,"vat_rate"?: number
                  }
                  Relationships: [
                    
                  ]
                },"notification_preferences": {
                  Row: {
                    "channel": string,"enabled": boolean,"type_group": string,"updated_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "channel": string,"enabled": boolean,"type_group": string,"updated_at"?: string,"user_id": string
                  }
                  Update: {
                    "channel"?: string,"enabled"?: boolean,"type_group"?: string,"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    
                  ]
                },"notification_settings": {
                  Row: {
                    "quiet_hours_end": string | null,"quiet_hours_start": string | null,"time_zone": string,"updated_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "quiet_hours_end"?: string | null,"quiet_hours_start"?: string | null,"time_zone"?: string,"updated_at"?: string,"user_id": string
                  }
                  Update: {
                    "quiet_hours_end"?: string | null,"quiet_hours_start"?: string | null,"time_zone"?: string,"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    
                  ]
                },"notifications": {
                  Row: {
                    "body_key": string,"created_at": string,"deep_link": string,"id": string,"in_app": boolean,"kind": string,"params": NonNullable<Json>,"payload": NonNullable<Json>,"read_at": string | null,"title_key": string,"type_group": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "body_key": string,"created_at"?: string,"deep_link": string,"id"?: string,"in_app"?: boolean,"kind": string,"params"?: NonNullable<Json>,"payload"?: NonNullable<Json>,"read_at"?: string | null,"title_key": string,"type_group": string,"user_id": string
                  }
                  Update: {
                    "body_key"?: string,"created_at"?: string,"deep_link"?: string,"id"?: string,"in_app"?: boolean,"kind"?: string,"params"?: NonNullable<Json>,"payload"?: NonNullable<Json>,"read_at"?: string | null,"title_key"?: string,"type_group"?: string,"user_id"?: string
                  }
                  Relationships: [
                    
                  ]
                },"order_events": {
                  Row: {
                    "actor_id": string | null,"actor_role": string,"created_at": string,"from_state": string | null,"id": number,"metadata": NonNullable<Json>,"order_id": string,"reason": string | null,"to_state": string,"transition": string
                  }
                  ComputedFields: never
                  Insert: {
                    "actor_id"?: string | null,"actor_role": string,"created_at"?: string,"from_state"?: string | null,"id"?: never,"metadata"?: NonNullable<Json>,"order_id": string,"reason"?: string | null,"to_state": string,"transition": string
                  }
                  Update: {
                    "actor_id"?: string | null,"actor_role"?: string,"created_at"?: string,"from_state"?: string | null,"id"?: never,"metadata"?: NonNullable<Json>,"order_id"?: string,"reason"?: string | null,"to_state"?: string,"transition"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "order_events_actor_id_fkey"
      columns: ["actor_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "order_events_from_state_fkey"
      columns: ["from_state"]
isOneToOne: false
      referencedRelation: "order_states"
      referencedColumns: ["state"]
    },{
      foreignKeyName: "order_events_order_id_fkey"
      columns: ["order_id"]
isOneToOne: false
      referencedRelation: "orders"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "order_events_to_state_fkey"
      columns: ["to_state"]
isOneToOne: false
      referencedRelation: "order_states"
      referencedColumns: ["state"]
    }
                  ]
                },"order_states": {
                  Row: {
                    "description": string,"holds_stock": boolean,"is_terminal": boolean,"sort_order": number,"state": string
                  }
                  ComputedFields: never
                  Insert: {
                    "description": string,"holds_stock": boolean,"is_terminal": boolean,"sort_order": number,"state": string
                  }
                  Update: {
                    "description"?: string,"holds_stock"?: boolean,"is_terminal"?: boolean,"sort_order"?: number,"state"?: string
                  }
                  Relationships: [
                    
                  ]
                },"order_transitions": {
                  Row: {
                    "actors": (string)[],"description": string,"from_state": string,"name": string,"to_state": string
                  }
                  ComputedFields: never
                  Insert: {
                    "actors": (string)[],"description": string,"from_state": string,"name": string,"to_state": string
                  }
                  Update: {
                    "actors"?: (string)[],"description"?: string,"from_state"?: string,"name"?: string,"to_state"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "order_transitions_from_state_fkey"
      columns: ["from_state"]
isOneToOne: false
      referencedRelation: "order_states"
      referencedColumns: ["state"]
    },{
      foreignKeyName: "order_transitions_to_state_fkey"
      columns: ["to_state"]
isOneToOne: false
      referencedRelation: "order_states"
      referencedColumns: ["state"]
    }
                  ]
                },"orders": {
                  Row: {
                    "breakdown": NonNullable<Json>,"buyer_id": string,"buyer_note": string | null,"cancel_reason": string | null,"cancelled_at": string | null,"cancelled_by": string | null,"completed_at": string | null,"created_at": string,"currency": string,"customer_total": number,"delivery_address": string | null,"disputed_at": string | null,"expired_at": string | null,"fee_region_id": string | null,"fee_schedule_id": string,"fulfilment": string,"id": string,"meetup_place": string | null,"number": number,"offer_id": string | null,"paid_amount": number,"paid_at": string | null,"platform_revenue": number,"product_id": string,"quantity": number,"received_at": string | null,"reference": string | null,"refunded_amount": number,"reserved_until": string,"resolved_at": string | null,"seller_id": string,"seller_payout": number,"sent_at": string | null,"status": string,"status_changed_at": string,"subtotal": number,"tax": number,"trade_kind": string,"unit_price": number,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "breakdown": NonNullable<Json>,"buyer_id": string,"buyer_note"?: string | null,"cancel_reason"?: string | null,"cancelled_at"?: string | null,"cancelled_by"?: string | null,"completed_at"?: string | null,"created_at"?: string,"currency": string,"customer_total": number,"delivery_address"?: string | null,"disputed_at"?: string | null,"expired_at"?: string | null,"fee_region_id"?: string | null,"fee_schedule_id": string,"fulfilment": string,"id"?: string,"meetup_place"?: string | null,"number"?: never,"offer_id"?: string | null,"paid_amount"?: number,"paid_at"?: string | null,"platform_revenue": number,"product_id": string,"quantity": number,"received_at"?: string | null,"reference"?: never,"refunded_amount"?: number,"reserved_until": string,"resolved_at"?: string | null,"seller_id": string,"seller_payout": number,"sent_at"?: string | null,"status"?: string,"status_changed_at": string,"subtotal": number,"tax": number,"trade_kind": string,"unit_price": number,"updated_at"?: string
                  }
                  Update: {
                    "breakdown"?: NonNullable<Json>,"buyer_id"?: string,"buyer_note"?: string | null,"cancel_reason"?: string | null,"cancelled_at"?: string | null,"cancelled_by"?: string | null,"completed_at"?: string | null,"created_at"?: string,"currency"?: string,"customer_total"?: number,"delivery_address"?: string | null,"disputed_at"?: string | null,"expired_at"?: string | null,"fee_region_id"?: string | null,"fee_schedule_id"?: string,"fulfilment"?: string,"id"?: string,"meetup_place"?: string | null,"number"?: never,"offer_id"?: string | null,"paid_amount"?: number,"paid_at"?: string | null,"platform_revenue"?: number,"product_id"?: string,"quantity"?: number,"received_at"?: string | null,"reference"?: never,"refunded_amount"?: number,"reserved_until"?: string,"resolved_at"?: string | null,"seller_id"?: string,"seller_payout"?: number,"sent_at"?: string | null,"status"?: string,"status_changed_at"?: string,"subtotal"?: number,"tax"?: number,"trade_kind"?: string,"unit_price"?: number,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "orders_buyer_id_fkey"
      columns: ["buyer_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "orders_fee_region_id_fkey"
      columns: ["fee_region_id"]
isOneToOne: false
      referencedRelation: "money_regions"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "orders_fee_schedule_id_fkey"
      columns: ["fee_schedule_id"]
isOneToOne: false
      referencedRelation: "fee_schedules"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "orders_fee_schedule_id_fkey"
      columns: ["fee_schedule_id"]
isOneToOne: false
      referencedRelation: "operator_fee_schedules"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "orders_product_id_fkey"
      columns: ["product_id"]
isOneToOne: false
      referencedRelation: "products"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "orders_seller_id_fkey"
      columns: ["seller_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "orders_status_fkey"
      columns: ["status"]
isOneToOne: false
      referencedRelation: "order_states"
      referencedColumns: ["state"]
    }
                  ]
                },"payment_events": {
                  Row: {
                    "amount": number | null,"created_at": string,"from_state": string | null,"id": number,"metadata": NonNullable<Json>,"payment_id": string,"provider_ref": string | null,"source": string,"to_state": string,"transition": string
                  }
                  ComputedFields: never
                  Insert: {
                    "amount"?: number | null,"created_at"?: string,"from_state"?: string | null,"id"?: never,"metadata"?: NonNullable<Json>,"payment_id": string,"provider_ref"?: string | null,"source": string,"to_state": string,"transition": string
                  }
                  Update: {
                    "amount"?: number | null,"created_at"?: string,"from_state"?: string | null,"id"?: never,"metadata"?: NonNullable<Json>,"payment_id"?: string,"provider_ref"?: string | null,"source"?: string,"to_state"?: string,"transition"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "payment_events_payment_id_fkey"
      columns: ["payment_id"]
isOneToOne: false
      referencedRelation: "payments"
      referencedColumns: ["id"]
    }
                  ]
                },"payment_refunds": {
                  Row: {
                    "amount": number,"created_at": string,"currency": string,"failure_reason": string | null,"id": string,"payment_id": string,"provider_ref": string | null,"reason": string,"status": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "amount": number,"created_at"?: string,"currency": string,"failure_reason"?: string | null,"id"?: string,"payment_id": string,"provider_ref"?: string | null,"reason": string,"status"?: string,"updated_at"?: string
                  }
                  Update: {
                    "amount"?: number,"created_at"?: string,"currency"?: string,"failure_reason"?: string | null,"id"?: string,"payment_id"?: string,"provider_ref"?: string | null,"reason"?: string,"status"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "payment_refunds_payment_id_fkey"
      columns: ["payment_id"]
isOneToOne: false
      referencedRelation: "payments"
      referencedColumns: ["id"]
    }
                  ]
                },"payment_states": {
                  Row: {
                    "description": string,"is_terminal": boolean,"state": string
                  }
                  ComputedFields: never
                  Insert: {
                    "description": string,"is_terminal": boolean,"state": string
                  }
                  Update: {
                    "description"?: string,"is_terminal"?: boolean,"state"?: string
                  }
                  Relationships: [
                    
                  ]
                },"payment_transitions": {
                  Row: {
                    "description": string,"from_state": string,"name": string,"to_state": string
                  }
                  ComputedFields: never
                  Insert: {
                    "description": string,"from_state": string,"name": string,"to_state": string
                  }
                  Update: {
                    "description"?: string,"from_state"?: string,"name"?: string,"to_state"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "payment_transitions_from_state_fkey"
      columns: ["from_state"]
isOneToOne: false
      referencedRelation: "payment_states"
      referencedColumns: ["state"]
    },{
      foreignKeyName: "payment_transitions_to_state_fkey"
      columns: ["to_state"]
isOneToOne: false
      referencedRelation: "payment_states"
      referencedColumns: ["state"]
    }
                  ]
                },"payments": {
                  Row: {
                    "amount": number,"amount_authorized": number,"amount_captured": number,"amount_refunded": number,"attempt": number,"authorization_due_at": string | null,"authorization_expires_at": string | null,"booking_id": string | null,"breakdown": NonNullable<Json>,"business_id": string | null,"capture_method": string,"created_at": string,"currency": string,"customer_id": string,"description": string | null,"id": string,"kind": string,"last_error": string | null,"payee_business_id": string | null,"payee_profile_id": string | null,"payment_method": string | null,"previous_refs": (string)[],"provider": string,"provider_id": string | null,"provider_ref": string | null,"reauthorizations": number,"released_at": string | null,"resolution_refund": number | null,"settlement": Json | null,"status": string,"status_changed_at": string,"subject_id": string,"subject_kind": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "amount": number,"amount_authorized"?: number,"amount_captured"?: number,"amount_refunded"?: number,"attempt"?: number,"authorization_due_at"?: string | null,"authorization_expires_at"?: string | null,"booking_id"?: string | null,"breakdown": NonNullable<Json>,"business_id"?: string | null,"capture_method": string,"created_at"?: string,"currency": string,"customer_id": string,"description"?: string | null,"id"?: string,"kind": string,"last_error"?: string | null,"payee_business_id"?: string | null,"payee_profile_id"?: string | null,"payment_method"?: string | null,"previous_refs"?: (string)[],"provider": string,"provider_id"?: string | null,"provider_ref"?: string | null,"reauthorizations"?: number,"released_at"?: string | null,"resolution_refund"?: number | null,"settlement"?: Json | null,"status"?: string,"status_changed_at"?: string,"subject_id": string,"subject_kind": string,"updated_at"?: string
                  }
                  Update: {
                    "amount"?: number,"amount_authorized"?: number,"amount_captured"?: number,"amount_refunded"?: number,"attempt"?: number,"authorization_due_at"?: string | null,"authorization_expires_at"?: string | null,"booking_id"?: string | null,"breakdown"?: NonNullable<Json>,"business_id"?: string | null,"capture_method"?: string,"created_at"?: string,"currency"?: string,"customer_id"?: string,"description"?: string | null,"id"?: string,"kind"?: string,"last_error"?: string | null,"payee_business_id"?: string | null,"payee_profile_id"?: string | null,"payment_method"?: string | null,"previous_refs"?: (string)[],"provider"?: string,"provider_id"?: string | null,"provider_ref"?: string | null,"reauthorizations"?: number,"released_at"?: string | null,"resolution_refund"?: number | null,"settlement"?: Json | null,"status"?: string,"status_changed_at"?: string,"subject_id"?: string,"subject_kind"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "payments_booking_id_fkey"
      columns: ["booking_id"]
isOneToOne: false
      referencedRelation: "bookings"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "payments_business_id_fkey"
      columns: ["business_id"]
isOneToOne: false
      referencedRelation: "businesses"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "payments_customer_id_fkey"
      columns: ["customer_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "payments_payee_business_id_fkey"
      columns: ["payee_business_id"]
isOneToOne: false
      referencedRelation: "businesses"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "payments_payee_profile_id_fkey"
      columns: ["payee_profile_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "payments_provider_id_fkey"
      columns: ["provider_id"]
isOneToOne: false
      referencedRelation: "provider_profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "payments_status_fkey"
      columns: ["status"]
isOneToOne: false
      referencedRelation: "payment_states"
      referencedColumns: ["state"]
    }
                  ]
                },"payout_accounts": {
                  Row: {
                    "business_id": string | null,"charges_enabled": boolean,"country": string | null,"created_at": string,"details_submitted": boolean,"email": string | null,"id": string,"payouts_enabled": boolean,"profile_id": string | null,"provider": string,"provider_account_id": string | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "business_id"?: string | null,"charges_enabled"?: boolean,"country"?: string | null,"created_at"?: string,"details_submitted"?: boolean,"email"?: string | null,"id"?: string,"payouts_enabled"?: boolean,"profile_id"?: string | null,"provider": string,"provider_account_id"?: string | null,"updated_at"?: string
                  }
                  Update: {
                    "business_id"?: string | null,"charges_enabled"?: boolean,"country"?: string | null,"created_at"?: string,"details_submitted"?: boolean,"email"?: string | null,"id"?: string,"payouts_enabled"?: boolean,"profile_id"?: string | null,"provider"?: string,"provider_account_id"?: string | null,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "payout_accounts_business_id_fkey"
      columns: ["business_id"]
isOneToOne: false
      referencedRelation: "businesses"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "payout_accounts_profile_id_fkey"
      columns: ["profile_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"payouts": {
                  Row: {
                    "amount": number,"created_at": string,"currency": string,"failure_reason": string | null,"held_reason": string | null,"id": string,"paid_at": string | null,"payee_business_id": string | null,"payee_profile_id": string | null,"payment_id": string | null,"payout_account_id": string | null,"provider_ref": string | null,"replaces_payout_id": string | null,"status": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "amount": number,"created_at"?: string,"currency": string,"failure_reason"?: string | null,"held_reason"?: string | null,"id"?: string,"paid_at"?: string | null,"payee_business_id"?: string | null,"payee_profile_id"?: string | null,"payment_id"?: string | null,"payout_account_id"?: string | null,"provider_ref"?: string | null,"replaces_payout_id"?: string | null,"status": string,"updated_at"?: string
                  }
                  Update: {
                    "amount"?: number,"created_at"?: string,"currency"?: string,"failure_reason"?: string | null,"held_reason"?: string | null,"id"?: string,"paid_at"?: string | null,"payee_business_id"?: string | null,"payee_profile_id"?: string | null,"payment_id"?: string | null,"payout_account_id"?: string | null,"provider_ref"?: string | null,"replaces_payout_id"?: string | null,"status"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "payouts_payee_business_id_fkey"
      columns: ["payee_business_id"]
isOneToOne: false
      referencedRelation: "businesses"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "payouts_payee_profile_id_fkey"
      columns: ["payee_profile_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "payouts_payment_id_fkey"
      columns: ["payment_id"]
isOneToOne: false
      referencedRelation: "payments"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "payouts_payout_account_id_fkey"
      columns: ["payout_account_id"]
isOneToOne: false
      referencedRelation: "payout_accounts"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "payouts_replaces_payout_id_fkey"
      columns: ["replaces_payout_id"]
isOneToOne: false
      referencedRelation: "payouts"
      referencedColumns: ["id"]
    }
                  ]
                },"product_likes": {
                  Row: {
                    "created_at": string,"product_id": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"product_id": string,"user_id": string
                  }
                  Update: {
                    "created_at"?: string,"product_id"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "product_likes_product_id_fkey"
      columns: ["product_id"]
isOneToOne: false
      referencedRelation: "products"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "product_likes_user_id_fkey"
      columns: ["user_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"product_offer_events": {
                  Row: {
                    "action": string,"actor_id": string | null,"actor_role": string,"amount": number,"created_at": string,"from_state": string | null,"id": number,"message_id": number | null,"offer_id": string,"reason": string | null,"to_state": string
                  }
                  ComputedFields: never
                  Insert: {
                    "action": string,"actor_id"?: string | null,"actor_role": string,"amount": number,"created_at"?: string,"from_state"?: string | null,"id"?: never,"message_id"?: number | null,"offer_id": string,"reason"?: string | null,"to_state": string
                  }
                  Update: {
                    "action"?: string,"actor_id"?: string | null,"actor_role"?: string,"amount"?: number,"created_at"?: string,"from_state"?: string | null,"id"?: never,"message_id"?: number | null,"offer_id"?: string,"reason"?: string | null,"to_state"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "product_offer_events_actor_id_fkey"
      columns: ["actor_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "product_offer_events_from_state_fkey"
      columns: ["from_state"]
isOneToOne: false
      referencedRelation: "product_offer_states"
      referencedColumns: ["state"]
    },{
      foreignKeyName: "product_offer_events_message_id_fkey"
      columns: ["message_id"]
isOneToOne: false
      referencedRelation: "messages"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "product_offer_events_offer_id_fkey"
      columns: ["offer_id"]
isOneToOne: false
      referencedRelation: "product_offers"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "product_offer_events_to_state_fkey"
      columns: ["to_state"]
isOneToOne: false
      referencedRelation: "product_offer_states"
      referencedColumns: ["state"]
    }
                  ]
                },"product_offer_states": {
                  Row: {
                    "description": string,"is_live": boolean,"sort_order": number,"state": string
                  }
                  ComputedFields: never
                  Insert: {
                    "description": string,"is_live": boolean,"sort_order": number,"state": string
                  }
                  Update: {
                    "description"?: string,"is_live"?: boolean,"sort_order"?: number,"state"?: string
                  }
                  Relationships: [
                    
                  ]
                },"product_offer_transitions": {
                  Row: {
                    "actors": (string)[],"description": string,"from_state": string,"name": string,"side": string | null,"to_state": string
                  }
                  ComputedFields: never
                  Insert: {
                    "actors": (string)[],"description": string,"from_state": string,"name": string,"side"?: string | null,"to_state": string
                  }
                  Update: {
                    "actors"?: (string)[],"description"?: string,"from_state"?: string,"name"?: string,"side"?: string | null,"to_state"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "product_offer_transitions_from_state_fkey"
      columns: ["from_state"]
isOneToOne: false
      referencedRelation: "product_offer_states"
      referencedColumns: ["state"]
    },{
      foreignKeyName: "product_offer_transitions_to_state_fkey"
      columns: ["to_state"]
isOneToOne: false
      referencedRelation: "product_offer_states"
      referencedColumns: ["state"]
    }
                  ]
                },"product_offers": {
                  Row: {
                    "amount": number,"buyer_id": string,"closed_reason": string | null,"conversation_id": string,"counter_count": number,"created_at": string,"currency": string,"delivery_address": string | null,"expires_at": string,"fulfilment": string,"id": string,"meetup_place": string | null,"order_id": string | null,"product_id": string,"quantity": number,"seller_id": string,"status": string,"status_changed_at": string,"turn": string | null,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "amount": number,"buyer_id": string,"closed_reason"?: string | null,"conversation_id": string,"counter_count"?: number,"created_at"?: string,"currency": string,"delivery_address"?: string | null,"expires_at": string,"fulfilment"?: string,"id"?: string,"meetup_place"?: string | null,"order_id"?: string | null,"product_id": string,"quantity": number,"seller_id": string,"status"?: string,"status_changed_at": string,"turn"?: string | null,"updated_at"?: string
                  }
                  Update: {
                    "amount"?: number,"buyer_id"?: string,"closed_reason"?: string | null,"conversation_id"?: string,"counter_count"?: number,"created_at"?: string,"currency"?: string,"delivery_address"?: string | null,"expires_at"?: string,"fulfilment"?: string,"id"?: string,"meetup_place"?: string | null,"order_id"?: string | null,"product_id"?: string,"quantity"?: number,"seller_id"?: string,"status"?: string,"status_changed_at"?: string,"turn"?: string | null,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "product_offers_buyer_id_fkey"
      columns: ["buyer_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "product_offers_conversation_id_fkey"
      columns: ["conversation_id"]
isOneToOne: false
      referencedRelation: "conversations"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "product_offers_order_id_fkey"
      columns: ["order_id"]
isOneToOne: false
      referencedRelation: "orders"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "product_offers_product_id_fkey"
      columns: ["product_id"]
isOneToOne: false
      referencedRelation: "products"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "product_offers_seller_id_fkey"
      columns: ["seller_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "product_offers_status_fkey"
      columns: ["status"]
isOneToOne: false
      referencedRelation: "product_offer_states"
      referencedColumns: ["state"]
    }
                  ]
                },"products": {
                  Row: {
                    "available_quantity": number,"building": string | null,"category_id": string,"condition": string,"created_at": string,"currency": string,"description": string,"feed": string,"hidden_at": string | null,"id": string,"image_paths": (string)[],"like_count": number,"location": unknown,"neighbourhood": string | null,"original_price": number | null,"price": number,"quantity": number,"seller_id": string,"sold_at": string | null,"status": string,"tags": (string)[],"title": string,"updated_at": string,"video_path": string | null,"video_thumbnail_path": string | null,"view_count": number,"withdrawn_at": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "available_quantity": number,"building"?: string | null,"category_id": string,"condition": string,"created_at"?: string,"currency"?: string,"description"?: string,"feed"?: string,"hidden_at"?: string | null,"id"?: string,"image_paths"?: (string)[],"like_count"?: number,"location": unknown,"neighbourhood"?: string | null,"original_price"?: number | null,"price": number,"quantity"?: number,"seller_id": string,"sold_at"?: string | null,"status"?: string,"tags"?: (string)[],"title": string,"updated_at"?: string,"video_path"?: string | null,"video_thumbnail_path"?: string | null,"view_count"?: number,"withdrawn_at"?: string | null
                  }
                  Update: {
                    "available_quantity"?: number,"building"?: string | null,"category_id"?: string,"condition"?: string,"created_at"?: string,"currency"?: string,"description"?: string,"feed"?: string,"hidden_at"?: string | null,"id"?: string,"image_paths"?: (string)[],"like_count"?: number,"location"?: unknown,"neighbourhood"?: string | null,"original_price"?: number | null,"price"?: number,"quantity"?: number,"seller_id"?: string,"sold_at"?: string | null,"status"?: string,"tags"?: (string)[],"title"?: string,"updated_at"?: string,"video_path"?: string | null,"video_thumbnail_path"?: string | null,"view_count"?: number,"withdrawn_at"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "products_category_id_fkey"
      columns: ["category_id"]
isOneToOne: false
      referencedRelation: "categories"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "products_seller_id_fkey"
      columns: ["seller_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"profile_private": {
                  Row: {
                    "address": string | null,"building_name": string | null,"home_location": unknown,"phone": string | null,"phone_verified_at": string | null,"profile_id": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "address"?: string | null,"building_name"?: string | null,"home_location"?: unknown,"phone"?: string | null,"phone_verified_at"?: string | null,"profile_id": string,"updated_at"?: string
                  }
                  Update: {
                    "address"?: string | null,"building_name"?: string | null,"home_location"?: unknown,"phone"?: string | null,"phone_verified_at"?: string | null,"profile_id"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "profile_private_profile_id_fkey"
      columns: ["profile_id"]
isOneToOne: true
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"profiles": {
                  Row: {
                    "active_mode": string,"avatar_path": string | null,"bio": string | null,"created_at": string,"currency": string,"deleted_at": string | null,"full_name": string,"hidden_at": string | null,"id": string,"is_provider": boolean,"is_seller": boolean,"is_verified": boolean,"locale": string,"neighbourhood": string | null,"updated_at": string,"username": string
                  }
                  ComputedFields: never
                  Insert: {
                    "active_mode"?: string,"avatar_path"?: string | null,"bio"?: string | null,"created_at"?: string,"currency"?: string,"deleted_at"?: string | null,"full_name"?: string,"hidden_at"?: string | null,"id": string,"is_provider"?: boolean,"is_seller"?: boolean,"is_verified"?: boolean,"locale"?: string,"neighbourhood"?: string | null,"updated_at"?: string,"username": string
                  }
                  Update: {
                    "active_mode"?: string,"avatar_path"?: string | null,"bio"?: string | null,"created_at"?: string,"currency"?: string,"deleted_at"?: string | null,"full_name"?: string,"hidden_at"?: string | null,"id"?: string,"is_provider"?: boolean,"is_seller"?: boolean,"is_verified"?: boolean,"locale"?: string,"neighbourhood"?: string | null,"updated_at"?: string,"username"?: string
                  }
                  Relationships: [
                    
                  ]
                },"promo_codes": {
                  Row: {
                    "amount_off": number | null,"code": string,"created_at": string,"currency": string | null,"description": string | null,"id": string,"is_active": boolean,"kind": string,"max_discount": number | null,"max_uses": number | null,"max_uses_per_user": number,"min_order": number,"percent_bps": number | null,"trade_kinds": (string)[] | null,"updated_at": string,"valid_from": string,"valid_until": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "amount_off"?: number | null,"code": string,"created_at"?: string,"currency"?: string | null,"description"?: string | null,"id"?: string,"is_active"?: boolean,"kind": string,"max_discount"?: number | null,"max_uses"?: number | null,"max_uses_per_user"?: number,"min_order"?: number,"percent_bps"?: number | null,"trade_kinds"?: (string)[] | null,"updated_at"?: string,"valid_from"?: string,"valid_until"?: string | null
                  }
                  Update: {
                    "amount_off"?: number | null,"code"?: string,"created_at"?: string,"currency"?: string | null,"description"?: string | null,"id"?: string,"is_active"?: boolean,"kind"?: string,"max_discount"?: number | null,"max_uses"?: number | null,"max_uses_per_user"?: number,"min_order"?: number,"percent_bps"?: number | null,"trade_kinds"?: (string)[] | null,"updated_at"?: string,"valid_from"?: string,"valid_until"?: string | null
                  }
                  Relationships: [
                    
                  ]
                },"promo_redemptions": {
                  Row: {
                    "booking_id": string | null,"created_at": string,"currency": string,"discount": number,"id": string,"promo_code_id": string,"use_number": number,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "booking_id"?: string | null,"created_at"?: string,"currency": string,"discount": number,"id"?: string,"promo_code_id": string,"use_number": number,"user_id": string
                  }
                  Update: {
                    "booking_id"?: string | null,"created_at"?: string,"currency"?: string,"discount"?: number,"id"?: string,"promo_code_id"?: string,"use_number"?: number,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "promo_redemptions_booking_id_fkey"
      columns: ["booking_id"]
isOneToOne: true
      referencedRelation: "bookings"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "promo_redemptions_promo_code_id_fkey"
      columns: ["promo_code_id"]
isOneToOne: false
      referencedRelation: "promo_codes"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "promo_redemptions_user_id_fkey"
      columns: ["user_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"provider_certifications": {
                  Row: {
                    "created_at": string,"expires_on": string | null,"id": string,"issuer": string,"name": string,"provider_id": string,"updated_at": string,"verified_at": string | null,"verified_by": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"expires_on"?: string | null,"id"?: string,"issuer": string,"name": string,"provider_id": string,"updated_at"?: string,"verified_at"?: string | null,"verified_by"?: string | null
                  }
                  Update: {
                    "created_at"?: string,"expires_on"?: string | null,"id"?: string,"issuer"?: string,"name"?: string,"provider_id"?: string,"updated_at"?: string,"verified_at"?: string | null,"verified_by"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "provider_certifications_provider_id_fkey"
      columns: ["provider_id"]
isOneToOne: false
      referencedRelation: "provider_profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "provider_certifications_verified_by_fkey"
      columns: ["verified_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"provider_profiles": {
                  Row: {
                    "base_lat": number | null,"base_lng": number | null,"base_location": unknown,"business_id": string | null,"business_name": string | null,"category_ids": (string)[],"completed_jobs": number,"coverage": unknown,"created_at": string,"currency": string,"deleted_at": string | null,"description": string | null,"display_name": string,"hidden_at": string | null,"hourly_rate": number | null,"id": string,"is_available": boolean,"is_verified": boolean,"price_from": number | null,"rating_avg": number,"rating_count": number,"rating_sum": number,"reputation_score": number,"response_time_s": number | null,"service_area": unknown,"service_radius_m": number,"skills": (string)[],"timezone": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "base_lat"?: never,"base_lng"?: never,"base_location": unknown,"business_id"?: string | null,"business_name"?: string | null,"category_ids"?: (string)[],"completed_jobs"?: number,"coverage"?: unknown,"created_at"?: string,"currency"?: string,"deleted_at"?: string | null,"description"?: string | null,"display_name": string,"hidden_at"?: string | null,"hourly_rate"?: number | null,"id": string,"is_available"?: boolean,"is_verified"?: boolean,"price_from"?: number | null,"rating_avg"?: number,"rating_count"?: number,"rating_sum"?: number,"reputation_score"?: number,"response_time_s"?: number | null,"service_area"?: unknown,"service_radius_m"?: number,"skills"?: (string)[],"timezone"?: string,"updated_at"?: string
                  }
                  Update: {
                    "base_lat"?: never,"base_lng"?: never,"base_location"?: unknown,"business_id"?: string | null,"business_name"?: string | null,"category_ids"?: (string)[],"completed_jobs"?: number,"coverage"?: unknown,"created_at"?: string,"currency"?: string,"deleted_at"?: string | null,"description"?: string | null,"display_name"?: string,"hidden_at"?: string | null,"hourly_rate"?: number | null,"id"?: string,"is_available"?: boolean,"is_verified"?: boolean,"price_from"?: number | null,"rating_avg"?: number,"rating_count"?: number,"rating_sum"?: number,"reputation_score"?: number,"response_time_s"?: number | null,"service_area"?: unknown,"service_radius_m"?: number,"skills"?: (string)[],"timezone"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "provider_profiles_business_id_fkey"
      columns: ["business_id"]
isOneToOne: false
      referencedRelation: "businesses"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "provider_profiles_id_fkey"
      columns: ["id"]
isOneToOne: true
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"provider_time_off": {
                  Row: {
                    "created_at": string,"id": string,"period": unknown,"provider_id": string,"reason": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"id"?: string,"period": unknown,"provider_id": string,"reason"?: string | null
                  }
                  Update: {
                    "created_at"?: string,"id"?: string,"period"?: unknown,"provider_id"?: string,"reason"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "provider_time_off_provider_id_fkey"
      columns: ["provider_id"]
isOneToOne: false
      referencedRelation: "provider_profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"report_reasons": {
                  Row: {
                    "code": string,"details_required": boolean,"kinds": (string)[] | null,"names": NonNullable<Json>,"position": number
                  }
                  ComputedFields: never
                  Insert: {
                    "code": string,"details_required"?: boolean,"kinds"?: (string)[] | null,"names": NonNullable<Json>,"position": number
                  }
                  Update: {
                    "code"?: string,"details_required"?: boolean,"kinds"?: (string)[] | null,"names"?: NonNullable<Json>,"position"?: number
                  }
                  Relationships: [
                    
                  ]
                },"reports": {
                  Row: {
                    "closed_at": string | null,"closed_by": string | null,"created_at": string,"details": string | null,"id": string,"kind": string,"outcome": string | null,"reason": string,"reporter_id": string | null,"status": string,"target_id": string,"target_owner_id": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "closed_at"?: string | null,"closed_by"?: string | null,"created_at"?: string,"details"?: string | null,"id"?: string,"kind": string,"outcome"?: string | null,"reason": string,"reporter_id"?: string | null,"status"?: string,"target_id": string,"target_owner_id"?: string | null
                  }
                  Update: {
                    "closed_at"?: string | null,"closed_by"?: string | null,"created_at"?: string,"details"?: string | null,"id"?: string,"kind"?: string,"outcome"?: string | null,"reason"?: string,"reporter_id"?: string | null,"status"?: string,"target_id"?: string,"target_owner_id"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "reports_closed_by_fkey"
      columns: ["closed_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "reports_reason_fkey"
      columns: ["reason"]
isOneToOne: false
      referencedRelation: "report_reasons"
      referencedColumns: ["code"]
    },{
      foreignKeyName: "reports_reporter_id_fkey"
      columns: ["reporter_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "reports_target_owner_id_fkey"
      columns: ["target_owner_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"reviews": {
                  Row: {
                    "author_id": string | null,"author_side": string,"comment": string | null,"created_at": string,"hidden_at": string | null,"id": string,"published_at": string | null,"rating": number,"replied_at": string | null,"replied_by": string | null,"reply": string | null,"reviewee_id": string,"reviewee_role": string,"subratings": NonNullable<Json>,"trade_id": string,"trade_kind": string,"updated_at": string,"window_ends_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "author_id"?: string | null,"author_side": string,"comment"?: string | null,"created_at"?: string,"hidden_at"?: string | null,"id"?: string,"published_at"?: string | null,"rating": number,"replied_at"?: string | null,"replied_by"?: string | null,"reply"?: string | null,"reviewee_id": string,"reviewee_role": string,"subratings"?: NonNullable<Json>,"trade_id": string,"trade_kind": string,"updated_at"?: string,"window_ends_at": string
                  }
                  Update: {
                    "author_id"?: string | null,"author_side"?: string,"comment"?: string | null,"created_at"?: string,"hidden_at"?: string | null,"id"?: string,"published_at"?: string | null,"rating"?: number,"replied_at"?: string | null,"replied_by"?: string | null,"reply"?: string | null,"reviewee_id"?: string,"reviewee_role"?: string,"subratings"?: NonNullable<Json>,"trade_id"?: string,"trade_kind"?: string,"updated_at"?: string,"window_ends_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "reviews_author_id_fkey"
      columns: ["author_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "reviews_replied_by_fkey"
      columns: ["replied_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "reviews_reviewee_id_fkey"
      columns: ["reviewee_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"role_permissions": {
                  Row: {
                    "permission": string,"role": string
                  }
                  ComputedFields: never
                  Insert: {
                    "permission": string,"role": string
                  }
                  Update: {
                    "permission"?: string,"role"?: string
                  }
                  Relationships: [
                    
                  ]
                },"seller_follows": {
                  Row: {
                    "created_at": string,"follower_id": string,"seller_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"follower_id": string,"seller_id": string
                  }
                  Update: {
                    "created_at"?: string,"follower_id"?: string,"seller_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "seller_follows_follower_id_fkey"
      columns: ["follower_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "seller_follows_seller_id_fkey"
      columns: ["seller_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"seller_stats": {
                  Row: {
                    "follower_count": number,"seller_id": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "follower_count"?: number,"seller_id": string,"updated_at"?: string
                  }
                  Update: {
                    "follower_count"?: number,"seller_id"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "seller_stats_seller_id_fkey"
      columns: ["seller_id"]
isOneToOne: true
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"service_listings": {
                  Row: {
                    "base_price": number,"booking_mode": string,"cancellation_policy": Json | null,"category_id": string,"cover_image_path": string | null,"coverage": unknown,"created_at": string,"currency": string,"description": string | null,"duration_minutes": number,"hidden_at": string | null,"id": string,"is_active": boolean,"location": unknown,"media_paths": (string)[],"pricing_unit": string,"provider_id": string,"service_area": unknown,"service_radius_m": number | null,"title": string,"updated_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "base_price"?: number,"booking_mode"?: string,"cancellation_policy"?: Json | null,"category_id": string,"cover_image_path"?: string | null,"coverage"?: unknown,"created_at"?: string,"currency"?: string,"description"?: string | null,"duration_minutes"?: number,"hidden_at"?: string | null,"id"?: string,"is_active"?: boolean,"location"?: unknown,"media_paths"?: (string)[],"pricing_unit": string,"provider_id": string,"service_area"?: unknown,"service_radius_m"?: number | null,"title": string,"updated_at"?: string
                  }
                  Update: {
                    "base_price"?: number,"booking_mode"?: string,"cancellation_policy"?: Json | null,"category_id"?: string,"cover_image_path"?: string | null,"coverage"?: unknown,"created_at"?: string,"currency"?: string,"description"?: string | null,"duration_minutes"?: number,"hidden_at"?: string | null,"id"?: string,"is_active"?: boolean,"location"?: unknown,"media_paths"?: (string)[],"pricing_unit"?: string,"provider_id"?: string,"service_area"?: unknown,"service_radius_m"?: number | null,"title"?: string,"updated_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "service_listings_category_id_fkey"
      columns: ["category_id"]
isOneToOne: false
      referencedRelation: "categories"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "service_listings_provider_id_fkey"
      columns: ["provider_id"]
isOneToOne: false
      referencedRelation: "provider_profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"stream_comments": {
                  Row: {
                    "author_id": string,"body": string,"created_at": string,"hidden_at": string | null,"id": string,"stream_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "author_id": string,"body": string,"created_at"?: string,"hidden_at"?: string | null,"id"?: string,"stream_id": string
                  }
                  Update: {
                    "author_id"?: string,"body"?: string,"created_at"?: string,"hidden_at"?: string | null,"id"?: string,"stream_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "stream_comments_author_id_fkey"
      columns: ["author_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "stream_comments_stream_id_fkey"
      columns: ["stream_id"]
isOneToOne: false
      referencedRelation: "streams"
      referencedColumns: ["id"]
    }
                  ]
                },"stream_events": {
                  Row: {
                    "actor": string,"actor_id": string | null,"created_at": string,"from_state": string,"id": number,"reason": string | null,"stream_id": string,"to_state": string,"transition": string
                  }
                  ComputedFields: never
                  Insert: {
                    "actor": string,"actor_id"?: string | null,"created_at"?: string,"from_state": string,"id"?: never,"reason"?: string | null,"stream_id": string,"to_state": string,"transition": string
                  }
                  Update: {
                    "actor"?: string,"actor_id"?: string | null,"created_at"?: string,"from_state"?: string,"id"?: never,"reason"?: string | null,"stream_id"?: string,"to_state"?: string,"transition"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "stream_events_actor_id_fkey"
      columns: ["actor_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "stream_events_stream_id_fkey"
      columns: ["stream_id"]
isOneToOne: false
      referencedRelation: "streams"
      referencedColumns: ["id"]
    }
                  ]
                },"stream_products": {
                  Row: {
                    "featured": boolean,"id": string,"pinned_at": string,"position_x": number,"position_y": number,"product_id": string,"sort_order": number,"stream_id": string,"unpinned_at": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "featured"?: boolean,"id"?: string,"pinned_at": string,"position_x"?: number,"position_y"?: number,"product_id": string,"sort_order"?: number,"stream_id": string,"unpinned_at"?: string | null
                  }
                  Update: {
                    "featured"?: boolean,"id"?: string,"pinned_at"?: string,"position_x"?: number,"position_y"?: number,"product_id"?: string,"sort_order"?: number,"stream_id"?: string,"unpinned_at"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "stream_products_product_id_fkey"
      columns: ["product_id"]
isOneToOne: false
      referencedRelation: "products"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "stream_products_stream_id_fkey"
      columns: ["stream_id"]
isOneToOne: false
      referencedRelation: "streams"
      referencedColumns: ["id"]
    }
                  ]
                },"stream_states": {
                  Row: {
                    "description": string,"is_final": boolean,"is_public": boolean,"state": string
                  }
                  ComputedFields: never
                  Insert: {
                    "description": string,"is_final"?: boolean,"is_public": boolean,"state": string
                  }
                  Update: {
                    "description"?: string,"is_final"?: boolean,"is_public"?: boolean,"state"?: string
                  }
                  Relationships: [
                    
                  ]
                },"stream_transitions": {
                  Row: {
                    "actors": (string)[],"description": string,"from_state": string,"to_state": string,"transition": string
                  }
                  ComputedFields: never
                  Insert: {
                    "actors": (string)[],"description": string,"from_state": string,"to_state": string,"transition": string
                  }
                  Update: {
                    "actors"?: (string)[],"description"?: string,"from_state"?: string,"to_state"?: string,"transition"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "stream_transitions_from_state_fkey"
      columns: ["from_state"]
isOneToOne: false
      referencedRelation: "stream_states"
      referencedColumns: ["state"]
    },{
      foreignKeyName: "stream_transitions_to_state_fkey"
      columns: ["to_state"]
isOneToOne: false
      referencedRelation: "stream_states"
      referencedColumns: ["state"]
    }
                  ]
                },"streams": {
                  Row: {
                    "category_id": string | null,"comment_count": number,"created_at": string,"description": string,"ended_at": string | null,"hidden_at": string | null,"id": string,"ingest_changed_at": string | null,"ingest_status": string | null,"peak_viewers": number,"playback_id": string | null,"scheduled_at": string,"seller_id": string,"started_at": string | null,"status": string,"thumbnail_path": string | null,"title": string,"total_views": number,"updated_at": string,"viewer_count": number
                  }
                  ComputedFields: never
                  Insert: {
                    "category_id"?: string | null,"comment_count"?: number,"created_at"?: string,"description"?: string,"ended_at"?: string | null,"hidden_at"?: string | null,"id"?: string,"ingest_changed_at"?: string | null,"ingest_status"?: string | null,"peak_viewers"?: number,"playback_id"?: string | null,"scheduled_at": string,"seller_id": string,"started_at"?: string | null,"status"?: string,"thumbnail_path"?: string | null,"title": string,"total_views"?: number,"updated_at"?: string,"viewer_count"?: number
                  }
                  Update: {
                    "category_id"?: string | null,"comment_count"?: number,"created_at"?: string,"description"?: string,"ended_at"?: string | null,"hidden_at"?: string | null,"id"?: string,"ingest_changed_at"?: string | null,"ingest_status"?: string | null,"peak_viewers"?: number,"playback_id"?: string | null,"scheduled_at"?: string,"seller_id"?: string,"started_at"?: string | null,"status"?: string,"thumbnail_path"?: string | null,"title"?: string,"total_views"?: number,"updated_at"?: string,"viewer_count"?: number
                  }
                  Relationships: [
                    {
      foreignKeyName: "streams_category_id_fkey"
      columns: ["category_id"]
isOneToOne: false
      referencedRelation: "categories"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "streams_seller_id_fkey"
      columns: ["seller_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "streams_status_fkey"
      columns: ["status"]
isOneToOne: false
      referencedRelation: "stream_states"
      referencedColumns: ["state"]
    }
                  ]
                },"user_blocks": {
                  Row: {
                    "blocked_id": string,"blocker_id": string,"created_at": string
                  }
                  ComputedFields: never
                  Insert: {
                    "blocked_id": string,"blocker_id": string,"created_at"?: string
                  }
                  Update: {
                    "blocked_id"?: string,"blocker_id"?: string,"created_at"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "user_blocks_blocked_id_fkey"
      columns: ["blocked_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "user_blocks_blocker_id_fkey"
      columns: ["blocker_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"user_reputation": {
                  Row: {
                    "rating_avg": number,"rating_count": number,"rating_sum": number,"reputation_score": number,"role": string,"updated_at": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "rating_avg"?: number,"rating_count"?: number,"rating_sum"?: number,"reputation_score": number,"role": string,"updated_at"?: string,"user_id": string
                  }
                  Update: {
                    "rating_avg"?: number,"rating_count"?: number,"rating_sum"?: number,"reputation_score"?: number,"role"?: string,"updated_at"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "user_reputation_user_id_fkey"
      columns: ["user_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"user_roles": {
                  Row: {
                    "granted_at": string,"granted_by": string | null,"role": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "granted_at"?: string,"granted_by"?: string | null,"role": string,"user_id": string
                  }
                  Update: {
                    "granted_at"?: string,"granted_by"?: string | null,"role"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "user_roles_granted_by_fkey"
      columns: ["granted_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "user_roles_user_id_fkey"
      columns: ["user_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"user_suspensions": {
                  Row: {
                    "appeal_answer": string | null,"appeal_answered_at": string | null,"appeal_answered_by": string | null,"appeal_status": string | null,"appeal_text": string | null,"appealed_at": string | null,"created_at": string,"end_kind": string | null,"end_reason": string | null,"ended_at": string | null,"ended_by": string | null,"ends_at": string | null,"id": string,"reason": string,"starts_at": string,"suspended_by": string | null,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "appeal_answer"?: string | null,"appeal_answered_at"?: string | null,"appeal_answered_by"?: string | null,"appeal_status"?: string | null,"appeal_text"?: string | null,"appealed_at"?: string | null,"created_at"?: string,"end_kind"?: string | null,"end_reason"?: string | null,"ended_at"?: string | null,"ended_by"?: string | null,"ends_at"?: string | null,"id"?: string,"reason": string,"starts_at": string,"suspended_by"?: string | null,"user_id": string
                  }
                  Update: {
                    "appeal_answer"?: string | null,"appeal_answered_at"?: string | null,"appeal_answered_by"?: string | null,"appeal_status"?: string | null,"appeal_text"?: string | null,"appealed_at"?: string | null,"created_at"?: string,"end_kind"?: string | null,"end_reason"?: string | null,"ended_at"?: string | null,"ended_by"?: string | null,"ends_at"?: string | null,"id"?: string,"reason"?: string,"starts_at"?: string,"suspended_by"?: string | null,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "user_suspensions_appeal_answered_by_fkey"
      columns: ["appeal_answered_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "user_suspensions_ended_by_fkey"
      columns: ["ended_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "user_suspensions_suspended_by_fkey"
      columns: ["suspended_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "user_suspensions_user_id_fkey"
      columns: ["user_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"verification_documents": {
                  Row: {
                    "created_at": string,"id": string,"kind": string,"object_path": string,"removed_at": string | null,"submission_id": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"id"?: string,"kind": string,"object_path": string,"removed_at"?: string | null,"submission_id": string,"user_id": string
                  }
                  Update: {
                    "created_at"?: string,"id"?: string,"kind"?: string,"object_path"?: string,"removed_at"?: string | null,"submission_id"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "verification_documents_submission_id_fkey"
      columns: ["submission_id"]
isOneToOne: false
      referencedRelation: "operator_verification_queue"
      referencedColumns: ["submission_id"]
    },{
      foreignKeyName: "verification_documents_submission_id_fkey"
      columns: ["submission_id"]
isOneToOne: false
      referencedRelation: "verification_submissions"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "verification_documents_user_id_fkey"
      columns: ["user_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                },"verification_submissions": {
                  Row: {
                    "business_id": string | null,"certificate_number": string | null,"certification_id": string | null,"certification_snapshot": Json | null,"decided_at": string | null,"decided_by": string | null,"emirates_id_number": string | null,"id": string,"licence_emirate": string | null,"licence_number": string | null,"numbers_masked_at": string | null,"purge_due_at": string | null,"reason": string | null,"revoked_at": string | null,"revoked_by": string | null,"status": string,"submitted_at": string,"type": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "business_id"?: string | null,"certificate_number"?: string | null,"certification_id"?: string | null,"certification_snapshot"?: Json | null,"decided_at"?: string | null,"decided_by"?: string | null,"emirates_id_number"?: string | null,"id"?: string,"licence_emirate"?: string | null,"licence_number"?: string | null,"numbers_masked_at"?: string | null,"purge_due_at"?: string | null,"reason"?: string | null,"revoked_at"?: string | null,"revoked_by"?: string | null,"status"?: string,"submitted_at"?: string,"type": string,"user_id": string
                  }
                  Update: {
                    "business_id"?: string | null,"certificate_number"?: string | null,"certification_id"?: string | null,"certification_snapshot"?: Json | null,"decided_at"?: string | null,"decided_by"?: string | null,"emirates_id_number"?: string | null,"id"?: string,"licence_emirate"?: string | null,"licence_number"?: string | null,"numbers_masked_at"?: string | null,"purge_due_at"?: string | null,"reason"?: string | null,"revoked_at"?: string | null,"revoked_by"?: string | null,"status"?: string,"submitted_at"?: string,"type"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "verification_submissions_business_id_fkey"
      columns: ["business_id"]
isOneToOne: false
      referencedRelation: "businesses"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "verification_submissions_certification_id_fkey"
      columns: ["certification_id"]
isOneToOne: false
      referencedRelation: "provider_certifications"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "verification_submissions_decided_by_fkey"
      columns: ["decided_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "verification_submissions_revoked_by_fkey"
      columns: ["revoked_by"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "verification_submissions_user_id_fkey"
      columns: ["user_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                }
          }
          Views: {
            "marketplace_active_providers": {
                  Row: {
                    "active_30d": number,"active_7d": number,"area": string,"computed_at": string,"lat": number | null,"lng": number | null,"region_code": string | null
                  }
                  ComputedFields: never
                  Insert: {
                           "active_30d"?: number | null,"active_7d"?: number | null,"area"?: string | null,"computed_at"?: string | null,"lat"?: never,"lng"?: never,"region_code"?: string | null
                         }
                        Update: {
                           "active_30d"?: number | null,"active_7d"?: number | null,"area"?: string | null,"computed_at"?: string | null,"lat"?: never,"lng"?: never,"region_code"?: string | null
                         }
                        Relationships: [
                    
                  ]
                },"marketplace_bookings_by_status": {
                  Row: {
                    "bookings": number,"currency": string,"day": string,"status": string,"value": number
                  }
                  ComputedFields: never
                  Insert: {
                           "bookings"?: number | null,"currency"?: string | null,"day"?: string | null,"status"?: string | null,"value"?: number | null
                         }
                        Update: {
                           "bookings"?: number | null,"currency"?: string | null,"day"?: string | null,"status"?: string | null,"value"?: number | null
                         }
                        Relationships: [
                    
                  ]
                },"marketplace_metrics_daily": {
                  Row: {
                    "bookings_completed": number,"bookings_created": number,"completing_customers": number,"currency": string,"day": string,"gmv": number,"job_conversion_rate": number | null,"jobs_booked": number,"jobs_posted": number,"jobs_with_offers": number,"platform_revenue": number,"refreshed_at": string,"refunded": number,"repeat_customer_rate": number | null,"repeat_customers": number,"take_rate": number | null,"tips": number
                  }
                  ComputedFields: never
                  Insert: {
                           "bookings_completed"?: number | null,"bookings_created"?: number | null,"completing_customers"?: number | null,"currency"?: string | null,"day"?: string | null,"gmv"?: number | null,"job_conversion_rate"?: never,"jobs_booked"?: number | null,"jobs_posted"?: number | null,"jobs_with_offers"?: number | null,"platform_revenue"?: number | null,"refreshed_at"?: string | null,"refunded"?: number | null,"repeat_customer_rate"?: never,"repeat_customers"?: number | null,"take_rate"?: never,"tips"?: number | null
                         }
                        Update: {
                           "bookings_completed"?: number | null,"bookings_created"?: number | null,"completing_customers"?: number | null,"currency"?: string | null,"day"?: string | null,"gmv"?: number | null,"job_conversion_rate"?: never,"jobs_booked"?: number | null,"jobs_posted"?: number | null,"jobs_with_offers"?: number | null,"platform_revenue"?: number | null,"refreshed_at"?: string | null,"refunded"?: number | null,"repeat_customer_rate"?: never,"repeat_customers"?: number | null,"take_rate"?: never,"tips"?: number | null
                         }
                        Relationships: [
                    
                  ]
                },"operator_dispute_queue": {
                  Row: {
                    "age": string | null,"currency": string,"customer_statements": number | null,"dispute_id": string,"escalated": boolean | null,"escalated_at": string | null,"last_statement_at": string | null,"opened_at": string,"opener_side": string,"provider_statements": number | null,"reason": string,"statement_due_at": string,"trade_amount": number,"trade_id": string,"trade_kind": string
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                },"operator_fee_schedules": {
                  Row: {
                    "category": string | null,"commission_max": string | null,"commission_min": string | null,"commission_percent": number | null,"currency": string,"effective_from": string,"effective_until": string | null,"id": string,"in_force": boolean | null,"note": string | null,"period": string | null,"region": string | null,"service_fee_fixed": string | null,"service_fee_max": string | null,"service_fee_percent": number | null,"trade_kind": string,"updated_at": string
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                },"operator_report_queue": {
                  Row: {
                    "first_reported_at": string | null,"kind": string,"last_reported_at": string | null,"open_reports": number | null,"reasons": (string)[] | null,"recent_details": (string)[] | null,"reporters": number | null,"sla_age": string | null,"sla_breached": boolean | null,"sla_due_at": string | null,"target_id": string,"target_owner_id": string | null,"target_ref": string | null
                  }
                  ComputedFields: never
                  Relationships: [
                    
                  ]
                },"operator_verification_queue": {
                  Row: {
                    "age": string | null,"business_id": string | null,"business_name": string | null,"certificate_number": string | null,"certification_id": string | null,"certification_name": string | null,"documents": Json | null,"earlier_rejections": number | null,"emirates_id_number": string | null,"full_name": string | null,"licence_emirate": string | null,"licence_number": string | null,"submission_id": string,"submitted_at": string,"type": string,"user_id": string,"username": string | null
                  }
                  ComputedFields: never
                  Relationships: [
                    {
      foreignKeyName: "verification_submissions_business_id_fkey"
      columns: ["business_id"]
isOneToOne: false
      referencedRelation: "businesses"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "verification_submissions_certification_id_fkey"
      columns: ["certification_id"]
isOneToOne: false
      referencedRelation: "provider_certifications"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "verification_submissions_user_id_fkey"
      columns: ["user_id"]
isOneToOne: false
      referencedRelation: "profiles"
      referencedColumns: ["id"]
    }
                  ]
                }
          }
          Functions: {
            "accept_offer":
{ Args: { "p_offer_id": string }; Returns: {
              "accepted_at": string | null,
"business_id": string | null,
"cancel_reason": string | null,
"cancellation_policy": NonNullable<Json>,
"cancelled_at": string | null,
"cancelled_by": string | null,
"cancelled_late": boolean | null,
"completed_at": string | null,
"created_at": string,
"currency": string,
"customer_id": string,
"customer_note": string | null,
"free_cancellation_until": string | null,
"id": string,
"listing_id": string | null,
"number": number,
"period": unknown,
"price": number,
"provider_id": string,
"reference": string | null,
"request_expires_at": string | null,
"start_code_attempts": number,
"started_at": string | null,
"status": string,
"status_changed_at": string | null,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "bookings"
        isOneToOne: true
        isSetofReturn: false
      } },
"add_business_member":
{ Args: { "p_business_id": string,"p_role"?: string,"p_user_id"?: string,"p_username"?: string }; Returns: {
              "added_by": string | null,
"business_id": string,
"created_at": string,
"role": string,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "business_members"
        isOneToOne: true
        isSetofReturn: false
      } },
"add_dispute_statement":
{ Args: { "p_body"?: string,"p_dispute_id": string,"p_evidence"?: (string)[] }; Returns: Json
                           },
"answer_suspension_appeal":
{ Args: { "p_grant": boolean,"p_reason": string,"p_suspension_id": string }; Returns: {
              "appeal_answer": string | null,
"appeal_answered_at": string | null,
"appeal_answered_by": string | null,
"appeal_status": string | null,
"appeal_text": string | null,
"appealed_at": string | null,
"created_at": string,
"end_kind": string | null,
"end_reason": string | null,
"ended_at": string | null,
"ended_by": string | null,
"ends_at": string | null,
"id": string,
"reason": string,
"starts_at": string,
"suspended_by": string | null,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "user_suspensions"
        isOneToOne: true
        isSetofReturn: false
      } },
"appeal_suspension":
{ Args: { "p_reason": string }; Returns: {
              "appeal_answer": string | null,
"appeal_answered_at": string | null,
"appeal_answered_by": string | null,
"appeal_status": string | null,
"appeal_text": string | null,
"appealed_at": string | null,
"created_at": string,
"end_kind": string | null,
"end_reason": string | null,
"ended_at": string | null,
"ended_by": string | null,
"ends_at": string | null,
"id": string,
"reason": string,
"starts_at": string,
"suspended_by": string | null,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "user_suspensions"
        isOneToOne: true
        isSetofReturn: false
      } },
"apply_account":
{ Args: { "p_account": Json,"p_provider": string }; Returns: Json
                           },
"apply_booking_promo_code":
{ Args: { "p_booking_id": string,"p_code": string }; Returns: {
              "booking_id": string,
"breakdown": NonNullable<Json>,
"commission": number,
"created_at": string,
"currency": string,
"customer_total": number,
"discount": number,
"platform_revenue": number,
"price": number,
"promo_code_id": string | null,
"provider_payout": number,
"region_id": string | null,
"schedule_id": string,
"service_fee_net": number,
"service_fee_tax": number,
"subtotal_net": number,
"subtotal_tax": number,
"tax": number,
"tip": number,
"trade_kind": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "booking_charges"
        isOneToOne: true
        isSetofReturn: false
      } },
"apply_payment_intent":
{ Args: { "p_intent": Json,"p_provider": string }; Returns: Json
                           },
"apply_refund":
{ Args: { "p_provider": string,"p_refund": Json }; Returns: Json
                           },
"apply_stream_ingest_event":
{ Args: { "p_event_id": string,"p_live_input_id": string,"p_occurred_at"?: string,"p_provider": string,"p_type": string }; Returns: Json
                           },
"apply_transfer":
{ Args: { "p_provider": string,"p_transfer": Json }; Returns: Json
                           },
"apply_webhook_event":
{ Args: { "p_event": Json,"p_provider": string }; Returns: Json
                           },
"approve_verification":
{ Args: { "p_note"?: string,"p_submission_id": string }; Returns: {
              "business_id": string | null,
"certificate_number": string | null,
"certification_id": string | null,
"certification_snapshot": Json | null,
"decided_at": string | null,
"decided_by": string | null,
"emirates_id_number": string | null,
"id": string,
"licence_emirate": string | null,
"licence_number": string | null,
"numbers_masked_at": string | null,
"purge_due_at": string | null,
"reason": string | null,
"revoked_at": string | null,
"revoked_by": string | null,
"status": string,
"submitted_at": string,
"type": string,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "verification_submissions"
        isOneToOne: true
        isSetofReturn: false
      } },
"archive_conversation":
{ Args: { "p_archived"?: boolean,"p_conversation_id": string }; Returns: {
              "archived_at": string | null,
"conversation_id": string,
"created_at": string,
"last_activity_at": string,
"last_read_at": string | null,
"last_read_message_id": number | null,
"muted_until": string | null,
"unread_count": number,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "conversation_participants"
        isOneToOne: true
        isSetofReturn: false
      } },
"assistant_catalog":
{ Args: Record<PropertyKey, never>; Returns: {
              "id": string,"is_leaf": boolean,"keywords": Json,"names": Json,"parent_id": string,"slug": string,"typical_minutes": number
            }[]
                           },
"assistant_estimate":
{ Args: { "p_category_id": string,"p_lat"?: number,"p_lng"?: number }; Returns: Json
                           },
"block_user":
{ Args: { "p_user_id": string }; Returns: {
              "blocked_id": string,
"blocker_id": string,
"created_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "user_blocks"
        isOneToOne: true
        isSetofReturn: false
      } },
"book_listing":
{ Args: { "p_address"?: string,"p_lat"?: number,"p_listing_id": string,"p_lng"?: number,"p_note"?: string,"p_start": string }; Returns: {
              "accepted_at": string | null,
"business_id": string | null,
"cancel_reason": string | null,
"cancellation_policy": NonNullable<Json>,
"cancelled_at": string | null,
"cancelled_by": string | null,
"cancelled_late": boolean | null,
"completed_at": string | null,
"created_at": string,
"currency": string,
"customer_id": string,
"customer_note": string | null,
"free_cancellation_until": string | null,
"id": string,
"listing_id": string | null,
"number": number,
"period": unknown,
"price": number,
"provider_id": string,
"reference": string | null,
"request_expires_at": string | null,
"start_code_attempts": number,
"started_at": string | null,
"status": string,
"status_changed_at": string | null,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "bookings"
        isOneToOne: true
        isSetofReturn: false
      } },
"buy_product":
{ Args: { "p_delivery_address"?: string,"p_fulfilment"?: string,"p_meetup_place"?: string,"p_note"?: string,"p_product_id": string,"p_quantity"?: number }; Returns: {
              "breakdown": NonNullable<Json>,
"buyer_id": string,
"buyer_note": string | null,
"cancel_reason": string | null,
"cancelled_at": string | null,
"cancelled_by": string | null,
"completed_at": string | null,
"created_at": string,
"currency": string,
"customer_total": number,
"delivery_address": string | null,
"disputed_at": string | null,
"expired_at": string | null,
"fee_region_id": string | null,
"fee_schedule_id": string,
"fulfilment": string,
"id": string,
"meetup_place": string | null,
"number": number,
"offer_id": string | null,
"paid_amount": number,
"paid_at": string | null,
"platform_revenue": number,
"product_id": string,
"quantity": number,
"received_at": string | null,
"reference": string | null,
"refunded_amount": number,
"reserved_until": string,
"resolved_at": string | null,
"seller_id": string,
"seller_payout": number,
"sent_at": string | null,
"status": string,
"status_changed_at": string,
"subtotal": number,
"tax": number,
"trade_kind": string,
"unit_price": number,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "orders"
        isOneToOne: true
        isSetofReturn: false
      } },
"cancel_job":
{ Args: { "p_job_id": string,"p_reason"?: string }; Returns: {
              "accepted_offer_id": string | null,
"assigned_at": string | null,
"booking_id": string | null,
"budget_kind": string,
"budget_max": number,
"budget_min": number,
"cancel_reason": string | null,
"cancelled_at": string | null,
"category_id": string,
"created_at": string,
"currency": string,
"customer_id": string,
"description": string | null,
"direct_closed_at": string | null,
"direct_until": string | null,
"duration_minutes": number,
"expired_at": string | null,
"expires_at": string,
"fuzzed_location": unknown,
"hidden_at": string | null,
"id": string,
"is_asap": boolean,
"is_instant": boolean,
"neighbourhood": string | null,
"notified_count": number,
"photo_paths": (string)[],
"preferred_window": unknown,
"reopen_count": number,
"reopened_at": string | null,
"status": string,
"title": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "job_requests"
        isOneToOne: true
        isSetofReturn: false
      } },
"category_tree":
{ Args: { "p_include_inactive"?: boolean,"p_kind"?: string,"p_locale"?: string }; Returns: {
              "default_pricing_unit": string,"depth": number,"icon": string,"id": string,"is_active": boolean,"kind": string,"name": string,"parent_id": string,"path_ids": (string)[],"slug": string,"sort_order": number
            }[]
                           },
"change_business_member_role":
{ Args: { "p_business_id": string,"p_role": string,"p_user_id": string }; Returns: {
              "added_by": string | null,
"business_id": string,
"created_at": string,
"role": string,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "business_members"
        isOneToOne: true
        isSetofReturn: false
      } },
"claim_payment_operations":
{ Args: { "p_limit"?: number }; Returns: {
              "amount": number,"attempt": number,"created_at": string,"currency": string,"destination_account": string,"idempotency_key": string,"metadata": Json,"operation": string,"operation_id": number,"payment_id": string,"payment_method": string,"payout_id": string,"provider": string,"provider_customer_ref": string,"provider_ref": string,"refund_id": string
            }[]
                           },
"claim_push_deliveries":
{ Args: { "p_limit"?: number }; Returns: {
              "attempt": number,"body": string,"created_at": string,"deep_link": string,"delivery_id": number,"kind": string,"locale": string,"notification_id": string,"params": Json,"platform": string,"title": string,"token": string,"user_id": string
            }[]
                           },
"claim_start_code_sms":
{ Args: { "p_booking_id": string }; Returns: {
              "code": string,"locale": string,"phone": string
            }[]
                           },
"claim_verification_retention":
{ Args: { "p_limit"?: number }; Returns: {
              "document_id": string,"object_path": string
            }[]
                           },
"cluster_listings_in_bounds":
{ Args: { "p_available_now"?: boolean,"p_category_id"?: string,"p_east": number,"p_grid_size"?: number,"p_max_price"?: number,"p_min_price"?: number,"p_min_rating"?: number,"p_north": number,"p_open_from"?: string,"p_open_to"?: string,"p_south": number,"p_verified_only"?: boolean,"p_west": number }; Returns: {
              "cell_col": number,"cell_east": number,"cell_north": number,"cell_row": number,"cell_south": number,"cell_west": number,"lat": number,"listing_count": number,"listing_id": string,"lng": number,"min_price": number
            }[]
                           },
"cluster_open_jobs_in_bounds":
{ Args: { "p_asap_only"?: boolean,"p_category_id"?: string,"p_currency"?: string,"p_east": number,"p_grid_size"?: number,"p_max_budget"?: number,"p_min_budget"?: number,"p_my_categories_only"?: boolean,"p_north": number,"p_south": number,"p_west": number,"p_window_end"?: string,"p_window_start"?: string }; Returns: {
              "cell_col": number,"cell_east": number,"cell_north": number,"cell_row": number,"cell_south": number,"cell_west": number,"currency": string,"job_count": number,"job_id": string,"lat": number,"lng": number,"max_budget": number
            }[]
                           },
"cluster_providers_in_bounds":
{ Args: { "p_available_now"?: boolean,"p_category_id"?: string,"p_east": number,"p_grid_size"?: number,"p_max_price"?: number,"p_min_price"?: number,"p_min_rating"?: number,"p_north": number,"p_open_from"?: string,"p_open_to"?: string,"p_south": number,"p_verified_only"?: boolean,"p_west": number }; Returns: {
              "cell_col": number,"cell_east": number,"cell_north": number,"cell_row": number,"cell_south": number,"cell_west": number,"lat": number,"lng": number,"min_price": number,"provider_count": number,"provider_id": string
            }[]
                           },
"community_feed":
{ Args: { "p_building"?: string,"p_category_id"?: string,"p_conditions"?: (string)[],"p_cursor"?: string,"p_lat": number,"p_limit"?: number,"p_lng": number,"p_max_price"?: number,"p_min_price"?: number,"p_neighbourhood"?: string,"p_radius_m"?: number }; Returns: {
              "cursor": string,"distance_m": number,"product": Database["public"]['Tables']["products"]['Row'],"reasons": Json,"score": number
            }[]
                           },
"complete_payment_operation":
{ Args: { "p_attempt": number,"p_error"?: string,"p_operation_id": number,"p_outcome": string,"p_result"?: Json }; Returns: Json
                           },
"complete_push_deliveries":
{ Args: { "p_results": Json }; Returns: Json
                           },
"complete_verification_retention":
{ Args: { "p_paths": (string)[] }; Returns: Json
                           },
"counter_offer":
{ Args: { "p_counter_price": number,"p_message"?: string,"p_offer_id": string }; Returns: {
              "accepted_at": string | null,
"accepted_price": number | null,
"booking_id": string | null,
"closed_at": string | null,
"counter_message": string | null,
"counter_price": number | null,
"countered_at": string | null,
"created_at": string,
"currency": string,
"duration_minutes": number,
"expires_at": string,
"id": string,
"job_id": string,
"message": string | null,
"price": number,
"proposed_start": string,
"provider_id": string,
"status": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "job_offers"
        isOneToOne: true
        isSetofReturn: false
      } },
"create_product":
{ Args: { "p_building"?: string,"p_category_id": string,"p_condition": string,"p_currency"?: string,"p_description"?: string,"p_feed"?: string,"p_image_paths"?: (string)[],"p_lat": number,"p_lng": number,"p_neighbourhood"?: string,"p_original_price"?: number,"p_price": number,"p_quantity"?: number,"p_tags"?: (string)[],"p_title": string,"p_video_path"?: string,"p_video_thumbnail_path"?: string }; Returns: {
              "available_quantity": number,
"building": string | null,
"category_id": string,
"condition": string,
"created_at": string,
"currency": string,
"description": string,
"feed": string,
"hidden_at": string | null,
"id": string,
"image_paths": (string)[],
"like_count": number,
"location": unknown,
"neighbourhood": string | null,
"original_price": number | null,
"price": number,
"quantity": number,
"seller_id": string,
"sold_at": string | null,
"status": string,
"tags": (string)[],
"title": string,
"updated_at": string,
"video_path": string | null,
"video_thumbnail_path": string | null,
"view_count": number,
"withdrawn_at": string | null
            }
                          SetofOptions: {
        from: "*"
        to: "products"
        isOneToOne: true
        isSetofReturn: false
      } },
"create_provider_profile":
{ Args: { "p_business_name"?: string,"p_currency"?: string,"p_description"?: string,"p_display_name": string,"p_hourly_rate"?: number,"p_lat": number,"p_lng": number,"p_service_radius_m"?: number,"p_skills"?: (string)[],"p_timezone"?: string }; Returns: {
              "base_lat": number | null,
"base_lng": number | null,
"base_location": unknown,
"business_id": string | null,
"business_name": string | null,
"category_ids": (string)[],
"completed_jobs": number,
"coverage": unknown,
"created_at": string,
"currency": string,
"deleted_at": string | null,
"description": string | null,
"display_name": string,
"hidden_at": string | null,
"hourly_rate": number | null,
"id": string,
"is_available": boolean,
"is_verified": boolean,
"price_from": number | null,
"rating_avg": number,
"rating_count": number,
"rating_sum": number,
"reputation_score": number,
"response_time_s": number | null,
"service_area": unknown,
"service_radius_m": number,
"skills": (string)[],
"timezone": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "provider_profiles"
        isOneToOne: true
        isSetofReturn: false
      } },
"create_stream":
{ Args: { "p_category_id"?: string,"p_description"?: string,"p_scheduled_at"?: string,"p_thumbnail_path"?: string,"p_title": string }; Returns: {
              "category_id": string | null,
"comment_count": number,
"created_at": string,
"description": string,
"ended_at": string | null,
"hidden_at": string | null,
"id": string,
"ingest_changed_at": string | null,
"ingest_status": string | null,
"peak_viewers": number,
"playback_id": string | null,
"scheduled_at": string,
"seller_id": string,
"started_at": string | null,
"status": string,
"thumbnail_path": string | null,
"title": string,
"total_views": number,
"updated_at": string,
"viewer_count": number
            }
                          SetofOptions: {
        from: "*"
        to: "streams"
        isOneToOne: true
        isSetofReturn: false
      } },
"decline_direct_job":
{ Args: { "p_job_id": string }; Returns: {
              "created_at": string,
"declined_at": string | null,
"distance_m": number | null,
"job_id": string,
"notified_at": string | null,
"provider_id": string,
"rank": number | null,
"responded_at": string | null,
"score": number | null,
"source": string
            }
                          SetofOptions: {
        from: "*"
        to: "job_matches"
        isOneToOne: true
        isSetofReturn: false
      } },
"decline_offer":
{ Args: { "p_offer_id": string,"p_reason"?: string }; Returns: {
              "accepted_at": string | null,
"accepted_price": number | null,
"booking_id": string | null,
"closed_at": string | null,
"counter_message": string | null,
"counter_price": number | null,
"countered_at": string | null,
"created_at": string,
"currency": string,
"duration_minutes": number,
"expires_at": string,
"id": string,
"job_id": string,
"message": string | null,
"price": number,
"proposed_start": string,
"provider_id": string,
"status": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "job_offers"
        isOneToOne: true
        isSetofReturn: false
      } },
"delete_message":
{ Args: { "p_message_id": number }; Returns: {
              "attachment_path": string | null,
"author_id": string | null,
"body": string | null,
"client_key": string | null,
"conversation_id": string,
"created_at": string,
"deleted_at": string | null,
"edited_at": string | null,
"hidden_at": string | null,
"id": number,
"kind": string,
"payload": Json | null,
"sender_id": string | null
            }
                          SetofOptions: {
        from: "*"
        to: "messages"
        isOneToOne: true
        isSetofReturn: false
      } },
"delete_user_account":
{ Args: { "p_reason": string,"p_requested_by"?: string,"p_user_id": string }; Returns: Json
                           },
"discover_products":
{ Args: { "p_category_id"?: string,"p_conditions"?: (string)[],"p_cursor"?: string,"p_feed"?: string,"p_lat": number,"p_limit"?: number,"p_lng": number,"p_max_price"?: number,"p_min_price"?: number,"p_radius_m"?: number }; Returns: {
              "cursor": string,"distance_m": number,"product": Database["public"]['Tables']["products"]['Row'],"reasons": Json,"score": number
            }[]
                           },
"dismiss_reports":
{ Args: { "p_kind": string,"p_reason": string,"p_target_id": string }; Returns: {
              "action": string,
"actor_id": string | null,
"created_at": string,
"id": number,
"kind": string,
"reason": string,
"reports_closed": number,
"target_id": string,
"user_id": string | null
            }
                          SetofOptions: {
        from: "*"
        to: "moderation_actions"
        isOneToOne: true
        isSetofReturn: false
      } },
"edit_message":
{ Args: { "p_body": string,"p_message_id": number }; Returns: {
              "attachment_path": string | null,
"author_id": string | null,
"body": string | null,
"client_key": string | null,
"conversation_id": string,
"created_at": string,
"deleted_at": string | null,
"edited_at": string | null,
"hidden_at": string | null,
"id": number,
"kind": string,
"payload": Json | null,
"sender_id": string | null
            }
                          SetofOptions: {
        from: "*"
        to: "messages"
        isOneToOne: true
        isSetofReturn: false
      } },
"edit_review":
{ Args: { "p_comment"?: string,"p_rating": number,"p_review_id": string,"p_subratings"?: Json }; Returns: {
              "author_id": string | null,
"author_side": string,
"comment": string | null,
"created_at": string,
"hidden_at": string | null,
"id": string,
"published_at": string | null,
"rating": number,
"replied_at": string | null,
"replied_by": string | null,
"reply": string | null,
"reviewee_id": string,
"reviewee_role": string,
"subratings": NonNullable<Json>,
"trade_id": string,
"trade_kind": string,
"updated_at": string,
"window_ends_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "reviews"
        isOneToOne: true
        isSetofReturn: false
      } },
"feature_stream_product":
{ Args: { "p_product_id": string,"p_stream_id": string }; Returns: Json
                           },
"follow_seller":
{ Args: { "p_seller_id": string }; Returns: boolean
                           },
"get_available_slots":
{ Args: { "p_from": string,"p_listing_id": string,"p_to": string,"p_tz"?: string }; Returns: {
              "slot_end": string,"slot_start": string
            }[]
                           },
"get_booking":
{ Args: { "p_booking_id": string }; Returns: Json
                           },
"get_booking_contact":
{ Args: { "p_booking_id": string }; Returns: {
              "address": string,"counterpart_id": string,"counterpart_role": string,"full_name": string,"location_lat": number,"location_lng": number,"phone": string
            }[]
                           },
"get_booking_location":
{ Args: { "p_booking_id": string }; Returns: Json
                           },
"get_booking_qr":
{ Args: { "p_booking_id": string }; Returns: {
              "expires_at": string,"issued_at": string,"payload": string,"reference": string
            }[]
                           },
"get_booking_start_code":
{ Args: { "p_booking_id": string }; Returns: {
              "attempts_left": number,"code": string,"locked": boolean
            }[]
                           },
"get_dispute":
{ Args: { "p_dispute_id": string }; Returns: Json
                           },
"get_job":
{ Args: { "p_job_id": string }; Returns: Json
                           },
"get_notification_preferences":
{ Args: Record<PropertyKey, never>; Returns: Json
                           },
"get_order":
{ Args: { "p_order_id": string }; Returns: Json
                           },
"get_payment_customer":
{ Args: { "p_provider": string }; Returns: string
                           },
"get_product":
{ Args: { "p_product_id": string }; Returns: {
              "available_quantity": number,
"building": string | null,
"category_id": string,
"condition": string,
"created_at": string,
"currency": string,
"description": string,
"feed": string,
"hidden_at": string | null,
"id": string,
"image_paths": (string)[],
"like_count": number,
"location": unknown,
"neighbourhood": string | null,
"original_price": number | null,
"price": number,
"quantity": number,
"seller_id": string,
"sold_at": string | null,
"status": string,
"tags": (string)[],
"title": string,
"updated_at": string,
"video_path": string | null,
"video_thumbnail_path": string | null,
"view_count": number,
"withdrawn_at": string | null
            }
                          SetofOptions: {
        from: "*"
        to: "products"
        isOneToOne: true
        isSetofReturn: false
      } },
"get_provider_calendar":
{ Args: { "p_from": string,"p_provider_id": string,"p_to": string }; Returns: {
              "booking_id": string,"customer_id": string,"customer_name": string,"ends_at": string,"kind": string,"listing_title": string,"note": string,"reference": string,"starts_at": string,"status": string
            }[]
                           },
"get_stream":
{ Args: { "p_stream_id": string }; Returns: Json
                           },
"get_stream_ingest":
{ Args: { "p_stream_id": string }; Returns: Json
                           },
"get_trade_reviews":
{ Args: { "p_kind": string,"p_trade_id": string }; Returns: {
              "author_side": string,"comment": string,"created_at": string,"hidden": boolean,"mine": boolean,"published_at": string,"rating": number,"replied_at": string,"reply": string,"review_deadline": string,"review_id": string,"subratings": Json,"trade_state": string,"written": boolean
            }[]
                           },
"hide_content":
{ Args: { "p_kind": string,"p_reason": string,"p_target_id": string }; Returns: {
              "action": string,
"actor_id": string | null,
"created_at": string,
"id": number,
"kind": string,
"reason": string,
"reports_closed": number,
"target_id": string,
"user_id": string | null
            }
                          SetofOptions: {
        from: "*"
        to: "moderation_actions"
        isOneToOne: true
        isSetofReturn: false
      } },
"history":
{ Args: { "p_after"?: number,"p_before"?: number,"p_conversation_id": string,"p_limit"?: number }; Returns: Json
                           },
"inbox":
{ Args: { "p_archived"?: boolean,"p_business_id"?: string,"p_cursor"?: string,"p_limit"?: number }; Returns: Json
                           },
"join_stream":
{ Args: { "p_stream_id": string }; Returns: Json
                           },
"leave_business":
{ Args: { "p_business_id": string }; Returns: undefined
                           },
"leave_stream":
{ Args: { "p_stream_id": string }; Returns: boolean
                           },
"ledger_balances":
{ Args: { "p_currency"?: string }; Returns: {
              "account_id": number,"balance": number,"business_id": string,"currency": string,"kind": string,"profile_id": string
            }[]
                           },
"ledger_check":
{ Args: Record<PropertyKey, never>; Returns: Json
                           },
"lift_suspension":
{ Args: { "p_reason": string,"p_user_id": string }; Returns: {
              "appeal_answer": string | null,
"appeal_answered_at": string | null,
"appeal_answered_by": string | null,
"appeal_status": string | null,
"appeal_text": string | null,
"appealed_at": string | null,
"created_at": string,
"end_kind": string | null,
"end_reason": string | null,
"ended_at": string | null,
"ended_by": string | null,
"ends_at": string | null,
"id": string,
"reason": string,
"starts_at": string,
"suspended_by": string | null,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "user_suspensions"
        isOneToOne: true
        isSetofReturn: false
      } },
"like_product":
{ Args: { "p_product_id": string }; Returns: boolean
                           },
"list_buddies":
{ Args: { "p_available_now"?: boolean }; Returns: {
              "added_at": string,"available_now": boolean,"avatar_path": string,"base_lat": number,"base_lng": number,"buddy_id": string,"business_name": string,"category_ids": (string)[],"completed_jobs": number,"currency": string,"display_name": string,"full_name": string,"hourly_rate": number,"is_available": boolean,"is_provider": boolean,"is_verified": boolean,"price_from": number,"rating_avg": number,"rating_count": number,"username": string
            }[]
                           },
"list_my_bookings":
{ Args: { "p_after"?: string,"p_as"?: string,"p_limit"?: number,"p_status"?: (string)[],"p_when"?: string }; Returns: {
              "created_at": string,"currency": string,"cursor": string,"customer_id": string,"customer_name": string,"ends_at": string,"id": string,"listing_id": string,"listing_title": string,"price": number,"provider_id": string,"provider_name": string,"reference": string,"starts_at": string,"status": string
            }[]
                           },
"list_my_disputes":
{ Args: { "p_before_id"?: string,"p_before_opened_at"?: string,"p_limit"?: number,"p_status"?: string }; Returns: {
              "amount": number,
"business_id": string | null,
"currency": string,
"customer_id": string,
"details": string | null,
"escalated_at": string | null,
"id": string,
"opened_at": string,
"opened_by": string | null,
"opener_side": string,
"outcome": string | null,
"provider_id": string,
"reason": string,
"refund_amount": number | null,
"resolution_reason": string | null,
"resolved_at": string | null,
"resolved_by": string | null,
"resolved_by_role": string | null,
"statement_due_at": string,
"status": string,
"trade_id": string,
"trade_kind": string,
"updated_at": string
            }[]
                          SetofOptions: {
        from: "*"
        to: "disputes"
        isOneToOne: false
        isSetofReturn: true
      } },
"list_my_orders":
{ Args: { "p_before_created_at"?: string,"p_before_id"?: string,"p_limit"?: number,"p_role"?: string,"p_status"?: string }; Returns: {
              "breakdown": NonNullable<Json>,
"buyer_id": string,
"buyer_note": string | null,
"cancel_reason": string | null,
"cancelled_at": string | null,
"cancelled_by": string | null,
"completed_at": string | null,
"created_at": string,
"currency": string,
"customer_total": number,
"delivery_address": string | null,
"disputed_at": string | null,
"expired_at": string | null,
"fee_region_id": string | null,
"fee_schedule_id": string,
"fulfilment": string,
"id": string,
"meetup_place": string | null,
"number": number,
"offer_id": string | null,
"paid_amount": number,
"paid_at": string | null,
"platform_revenue": number,
"product_id": string,
"quantity": number,
"received_at": string | null,
"reference": string | null,
"refunded_amount": number,
"reserved_until": string,
"resolved_at": string | null,
"seller_id": string,
"seller_payout": number,
"sent_at": string | null,
"status": string,
"status_changed_at": string,
"subtotal": number,
"tax": number,
"trade_kind": string,
"unit_price": number,
"updated_at": string
            }[]
                          SetofOptions: {
        from: "*"
        to: "orders"
        isOneToOne: false
        isSetofReturn: true
      } },
"list_notifications":
{ Args: { "p_after"?: string,"p_limit"?: number,"p_locale"?: string,"p_unread_only"?: boolean }; Returns: {
              "body": string,"body_key": string,"created_at": string,"cursor": string,"deep_link": string,"id": string,"kind": string,"params": Json,"payload": Json,"read_at": string,"title": string,"title_key": string,"type_group": string
            }[]
                           },
"list_open_jobs_in_bounds":
{ Args: { "p_asap_only"?: boolean,"p_category_id"?: string,"p_currency"?: string,"p_cursor"?: string,"p_east": number,"p_limit"?: number,"p_max_budget"?: number,"p_min_budget"?: number,"p_my_categories_only"?: boolean,"p_north": number,"p_south": number,"p_west": number,"p_window_end"?: string,"p_window_start"?: string }; Returns: Database["public"]['CompositeTypes']["open_job"][]
                          SetofOptions: {
        from: "*"
        to: "open_job"
        isOneToOne: false
        isSetofReturn: true
      } },
"list_open_jobs_near_me":
{ Args: { "p_asap_only"?: boolean,"p_category_id"?: string,"p_currency"?: string,"p_cursor"?: string,"p_lat"?: number,"p_limit"?: number,"p_lng"?: number,"p_max_budget"?: number,"p_min_budget"?: number,"p_my_categories_only"?: boolean,"p_radius_m"?: number,"p_window_end"?: string,"p_window_start"?: string }; Returns: Database["public"]['CompositeTypes']["open_job"][]
                          SetofOptions: {
        from: "*"
        to: "open_job"
        isOneToOne: false
        isSetofReturn: true
      } },
"list_product_offers":
{ Args: { "p_before_created_at"?: string,"p_before_id"?: string,"p_limit"?: number,"p_product_id"?: string,"p_role"?: string,"p_status"?: string }; Returns: {
              "amount": number,
"buyer_id": string,
"closed_reason": string | null,
"conversation_id": string,
"counter_count": number,
"created_at": string,
"currency": string,
"delivery_address": string | null,
"expires_at": string,
"fulfilment": string,
"id": string,
"meetup_place": string | null,
"order_id": string | null,
"product_id": string,
"quantity": number,
"seller_id": string,
"status": string,
"status_changed_at": string,
"turn": string | null,
"updated_at": string
            }[]
                          SetofOptions: {
        from: "*"
        to: "product_offers"
        isOneToOne: false
        isSetofReturn: true
      } },
"list_provider_day":
{ Args: { "p_business_id"?: string,"p_days"?: number,"p_from"?: string }; Returns: {
              "address": string,"booking_id": string,"customer_first_name": string,"distance_from_previous_m": number,"ends_at": string,"lat": number,"listing_title": string,"lng": number,"provider_id": string,"provider_name": string,"reference": string,"starts_at": string,"status": string,"stop_number": number
            }[]
                           },
"list_reviews":
{ Args: { "p_after"?: string,"p_limit"?: number,"p_role"?: string,"p_user_id": string }; Returns: {
              "author_avatar_path": string,"author_id": string,"author_side": string,"author_username": string,"comment": string,"cursor": string,"id": string,"published_at": string,"rating": number,"replied_at": string,"reply": string,"reviewee_id": string,"reviewee_role": string,"subratings": Json,"trade_kind": string
            }[]
                           },
"list_seller_products":
{ Args: { "p_before_created_at"?: string,"p_before_id"?: string,"p_limit"?: number,"p_seller_id": string }; Returns: {
              "available_quantity": number,
"building": string | null,
"category_id": string,
"condition": string,
"created_at": string,
"currency": string,
"description": string,
"feed": string,
"hidden_at": string | null,
"id": string,
"image_paths": (string)[],
"like_count": number,
"location": unknown,
"neighbourhood": string | null,
"original_price": number | null,
"price": number,
"quantity": number,
"seller_id": string,
"sold_at": string | null,
"status": string,
"tags": (string)[],
"title": string,
"updated_at": string,
"video_path": string | null,
"video_thumbnail_path": string | null,
"view_count": number,
"withdrawn_at": string | null
            }[]
                          SetofOptions: {
        from: "*"
        to: "products"
        isOneToOne: false
        isSetofReturn: true
      } },
"list_stream_comments":
{ Args: { "p_before_created_at"?: string,"p_before_id"?: string,"p_limit"?: number,"p_stream_id": string }; Returns: {
              "author_id": string,
"body": string,
"created_at": string,
"hidden_at": string | null,
"id": string,
"stream_id": string
            }[]
                          SetofOptions: {
        from: "*"
        to: "stream_comments"
        isOneToOne: false
        isSetofReturn: true
      } },
"list_streams":
{ Args: { "p_before_at"?: string,"p_before_id"?: string,"p_category_id"?: string,"p_limit"?: number,"p_seller_id"?: string,"p_status"?: string }; Returns: {
              "category_id": string | null,
"comment_count": number,
"created_at": string,
"description": string,
"ended_at": string | null,
"hidden_at": string | null,
"id": string,
"ingest_changed_at": string | null,
"ingest_status": string | null,
"peak_viewers": number,
"playback_id": string | null,
"scheduled_at": string,
"seller_id": string,
"started_at": string | null,
"status": string,
"thumbnail_path": string | null,
"title": string,
"total_views": number,
"updated_at": string,
"viewer_count": number
            }[]
                          SetofOptions: {
        from: "*"
        to: "streams"
        isOneToOne: false
        isSetofReturn: true
      } },
"make_offer":
{ Args: { "p_currency"?: string,"p_duration_minutes"?: number,"p_expires_at"?: string,"p_job_id": string,"p_message"?: string,"p_price": number,"p_proposed_start": string }; Returns: {
              "accepted_at": string | null,
"accepted_price": number | null,
"booking_id": string | null,
"closed_at": string | null,
"counter_message": string | null,
"counter_price": number | null,
"countered_at": string | null,
"created_at": string,
"currency": string,
"duration_minutes": number,
"expires_at": string,
"id": string,
"job_id": string,
"message": string | null,
"price": number,
"proposed_start": string,
"provider_id": string,
"status": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "job_offers"
        isOneToOne: true
        isSetofReturn: false
      } },
"make_product_offer":
{ Args: { "p_amount": number,"p_delivery_address"?: string,"p_fulfilment"?: string,"p_meetup_place"?: string,"p_message"?: string,"p_product_id": string,"p_quantity"?: number }; Returns: {
              "amount": number,
"buyer_id": string,
"closed_reason": string | null,
"conversation_id": string,
"counter_count": number,
"created_at": string,
"currency": string,
"delivery_address": string | null,
"expires_at": string,
"fulfilment": string,
"id": string,
"meetup_place": string | null,
"order_id": string | null,
"product_id": string,
"quantity": number,
"seller_id": string,
"status": string,
"status_changed_at": string,
"turn": string | null,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "product_offers"
        isOneToOne: true
        isSetofReturn: false
      } },
"mark_all_notifications_read":
{ Args: { "p_before"?: string }; Returns: number
                           },
"mark_notifications_read":
{ Args: { "p_ids": (string)[] }; Returns: number
                           },
"mark_read":
{ Args: { "p_conversation_id": string,"p_message_id"?: number }; Returns: {
              "archived_at": string | null,
"conversation_id": string,
"created_at": string,
"last_activity_at": string,
"last_read_at": string | null,
"last_read_message_id": number | null,
"muted_until": string | null,
"unread_count": number,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "conversation_participants"
        isOneToOne: true
        isSetofReturn: false
      } },
"move_stream_product":
{ Args: { "p_position_x": number,"p_position_y": number,"p_product_id": string,"p_sort_order"?: number,"p_stream_id": string }; Returns: Json
                           },
"mute_conversation":
{ Args: { "p_conversation_id": string,"p_until"?: string }; Returns: {
              "archived_at": string | null,
"conversation_id": string,
"created_at": string,
"last_activity_at": string,
"last_read_at": string | null,
"last_read_message_id": number | null,
"muted_until": string | null,
"unread_count": number,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "conversation_participants"
        isOneToOne: true
        isSetofReturn: false
      } },
"my_balance":
{ Args: { "p_business_id"?: string }; Returns: {
              "currency": string,"in_transit": number,"paid_by_me": number,"paid_out": number,"payable": number
            }[]
                           },
"my_ledger":
{ Args: { "p_before"?: number,"p_business_id"?: string,"p_limit"?: number }; Returns: {
              "account_kind": string,"amount": number,"booking_id": string,"created_at": string,"currency": string,"entry_id": number,"payment_id": string,"payout_id": string,"transaction_id": number,"transaction_kind": string
            }[]
                           },
"my_reviews_to_write":
{ Args: Record<PropertyKey, never>; Returns: {
              "finished_at": string,"other_side_reviewed": boolean,"review_deadline": string,"reviewee_id": string,"reviewee_role": string,"side": string,"trade_id": string,"trade_kind": string
            }[]
                           },
"notification_catalog":
{ Args: { "p_locale"?: string }; Returns: {
              "key": string,"text": string
            }[]
                           },
"open_dispute":
{ Args: { "p_details"?: string,"p_kind": string,"p_reason": string,"p_trade_id": string }; Returns: Json
                           },
"pin_stream_product":
{ Args: { "p_featured"?: boolean,"p_position_x"?: number,"p_position_y"?: number,"p_product_id": string,"p_sort_order"?: number,"p_stream_id": string }; Returns: Json
                           },
"post_job":
{ Args: { "p_address"?: string,"p_asap"?: boolean,"p_budget_max"?: number,"p_budget_min"?: number,"p_category_id": string,"p_currency"?: string,"p_description"?: string,"p_direct_to"?: (string)[],"p_direct_window_minutes"?: number,"p_duration_minutes": number,"p_fixed_budget"?: number,"p_instant"?: boolean,"p_lat": number,"p_lng": number,"p_neighbourhood"?: string,"p_preferred_end"?: string,"p_preferred_start"?: string,"p_title": string }; Returns: {
              "accepted_offer_id": string | null,
"assigned_at": string | null,
"booking_id": string | null,
"budget_kind": string,
"budget_max": number,
"budget_min": number,
"cancel_reason": string | null,
"cancelled_at": string | null,
"category_id": string,
"created_at": string,
"currency": string,
"customer_id": string,
"description": string | null,
"direct_closed_at": string | null,
"direct_until": string | null,
"duration_minutes": number,
"expired_at": string | null,
"expires_at": string,
"fuzzed_location": unknown,
"hidden_at": string | null,
"id": string,
"is_asap": boolean,
"is_instant": boolean,
"neighbourhood": string | null,
"notified_count": number,
"photo_paths": (string)[],
"preferred_window": unknown,
"reopen_count": number,
"reopened_at": string | null,
"status": string,
"title": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "job_requests"
        isOneToOne: true
        isSetofReturn: false
      } },
"post_stream_comment":
{ Args: { "p_body": string,"p_stream_id": string }; Returns: {
              "author_id": string,
"body": string,
"created_at": string,
"hidden_at": string | null,
"id": string,
"stream_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "stream_comments"
        isOneToOne: true
        isSetofReturn: false
      } },
"prepare_booking_payment":
{ Args: { "p_booking_id": string,"p_payment_method"?: string,"p_promo_code"?: string,"p_provider": string }; Returns: Json
                           },
"prepare_payout_account":
{ Args: { "p_business_id"?: string,"p_provider": string }; Returns: Json
                           },
"prepare_subject_payment":
{ Args: { "p_kind": string,"p_payment_method"?: string,"p_provider": string,"p_subject_id": string }; Returns: Json
                           },
"prepare_tip_payment":
{ Args: { "p_amount": number,"p_booking_id": string,"p_payment_method"?: string,"p_provider": string }; Returns: Json
                           },
"propose_booking_reschedule":
{ Args: { "p_booking_id": string,"p_reason": string,"p_start": string }; Returns: {
              "answer_reason": string | null,
"answered_by": string | null,
"booking_id": string,
"closed_at": string | null,
"created_at": string,
"expires_at": string,
"id": string,
"previous_period": unknown,
"proposed_by": string | null,
"proposed_period": unknown,
"proposer_role": string,
"reason": string,
"status": string
            }
                          SetofOptions: {
        from: "*"
        to: "booking_reschedules"
        isOneToOne: true
        isSetofReturn: false
      } },
"quote_context":
{ Args: { "p_request": Json }; Returns: Json
                           },
"record_payment_customer":
{ Args: { "p_customer_ref": string,"p_provider": string,"p_user_id": string }; Returns: undefined
                           },
"record_product_view":
{ Args: { "p_product_id": string }; Returns: boolean
                           },
"record_stream_ingest":
{ Args: { "p_ingest_url": string,"p_live_input_id": string,"p_playback_id": string,"p_provider": string,"p_stream_id": string,"p_stream_key": string }; Returns: Json
                           },
"refresh_marketplace_metrics":
{ Args: Record<PropertyKey, never>; Returns: Json
                           },
"register_device_token":
{ Args: { "p_locale"?: string,"p_platform": string,"p_token": string }; Returns: {
              "created_at": string,
"id": string,
"last_seen_at": string,
"locale": string,
"platform": string,
"token": string,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "device_tokens"
        isOneToOne: true
        isSetofReturn: false
      } },
"reject_verification":
{ Args: { "p_reason": string,"p_submission_id": string }; Returns: {
              "business_id": string | null,
"certificate_number": string | null,
"certification_id": string | null,
"certification_snapshot": Json | null,
"decided_at": string | null,
"decided_by": string | null,
"emirates_id_number": string | null,
"id": string,
"licence_emirate": string | null,
"licence_number": string | null,
"numbers_masked_at": string | null,
"purge_due_at": string | null,
"reason": string | null,
"revoked_at": string | null,
"revoked_by": string | null,
"status": string,
"submitted_at": string,
"type": string,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "verification_submissions"
        isOneToOne: true
        isSetofReturn: false
      } },
"relist_product":
{ Args: { "p_product_id": string }; Returns: {
              "available_quantity": number,
"building": string | null,
"category_id": string,
"condition": string,
"created_at": string,
"currency": string,
"description": string,
"feed": string,
"hidden_at": string | null,
"id": string,
"image_paths": (string)[],
"like_count": number,
"location": unknown,
"neighbourhood": string | null,
"original_price": number | null,
"price": number,
"quantity": number,
"seller_id": string,
"sold_at": string | null,
"status": string,
"tags": (string)[],
"title": string,
"updated_at": string,
"video_path": string | null,
"video_thumbnail_path": string | null,
"view_count": number,
"withdrawn_at": string | null
            }
                          SetofOptions: {
        from: "*"
        to: "products"
        isOneToOne: true
        isSetofReturn: false
      } },
"remove_business_member":
{ Args: { "p_business_id": string,"p_user_id": string }; Returns: undefined
                           },
"reply_to_review":
{ Args: { "p_reply": string,"p_review_id": string }; Returns: {
              "author_id": string | null,
"author_side": string,
"comment": string | null,
"created_at": string,
"hidden_at": string | null,
"id": string,
"published_at": string | null,
"rating": number,
"replied_at": string | null,
"replied_by": string | null,
"reply": string | null,
"reviewee_id": string,
"reviewee_role": string,
"subratings": NonNullable<Json>,
"trade_id": string,
"trade_kind": string,
"updated_at": string,
"window_ends_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "reviews"
        isOneToOne: true
        isSetofReturn: false
      } },
"report_content":
{ Args: { "p_details"?: string,"p_kind": string,"p_reason": string,"p_target_id": string }; Returns: {
              "closed_at": string | null,
"closed_by": string | null,
"created_at": string,
"details": string | null,
"id": string,
"kind": string,
"outcome": string | null,
"reason": string,
"reporter_id": string | null,
"status": string,
"target_id": string,
"target_owner_id": string | null
            }
                          SetofOptions: {
        from: "*"
        to: "reports"
        isOneToOne: true
        isSetofReturn: false
      } },
"report_location":
{ Args: { "p_accuracy"?: number,"p_booking_id": string,"p_heading"?: number,"p_lat": number,"p_lng": number,"p_recorded_at"?: string,"p_speed"?: number }; Returns: Json
                           },
"reset_booking_start_code":
{ Args: { "p_booking_id": string }; Returns: {
              "accepted_at": string | null,
"business_id": string | null,
"cancel_reason": string | null,
"cancellation_policy": NonNullable<Json>,
"cancelled_at": string | null,
"cancelled_by": string | null,
"cancelled_late": boolean | null,
"completed_at": string | null,
"created_at": string,
"currency": string,
"customer_id": string,
"customer_note": string | null,
"free_cancellation_until": string | null,
"id": string,
"listing_id": string | null,
"number": number,
"period": unknown,
"price": number,
"provider_id": string,
"reference": string | null,
"request_expires_at": string | null,
"start_code_attempts": number,
"started_at": string | null,
"status": string,
"status_changed_at": string | null,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "bookings"
        isOneToOne: true
        isSetofReturn: false
      } },
"resolve_dispute":
{ Args: { "p_dispute_id": string,"p_outcome": string,"p_reason"?: string,"p_refund_amount"?: number }; Returns: Json
                           },
"respond_booking_reschedule":
{ Args: { "p_accept": boolean,"p_reason"?: string,"p_reschedule_id": string }; Returns: {
              "accepted_at": string | null,
"business_id": string | null,
"cancel_reason": string | null,
"cancellation_policy": NonNullable<Json>,
"cancelled_at": string | null,
"cancelled_by": string | null,
"cancelled_late": boolean | null,
"completed_at": string | null,
"created_at": string,
"currency": string,
"customer_id": string,
"customer_note": string | null,
"free_cancellation_until": string | null,
"id": string,
"listing_id": string | null,
"number": number,
"period": unknown,
"price": number,
"provider_id": string,
"reference": string | null,
"request_expires_at": string | null,
"start_code_attempts": number,
"started_at": string | null,
"status": string,
"status_changed_at": string | null,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "bookings"
        isOneToOne: true
        isSetofReturn: false
      } },
"respond_to_counter":
{ Args: { "p_accept": boolean,"p_message"?: string,"p_offer_id": string }; Returns: {
              "accepted_at": string | null,
"accepted_price": number | null,
"booking_id": string | null,
"closed_at": string | null,
"counter_message": string | null,
"counter_price": number | null,
"countered_at": string | null,
"created_at": string,
"currency": string,
"duration_minutes": number,
"expires_at": string,
"id": string,
"job_id": string,
"message": string | null,
"price": number,
"proposed_start": string,
"provider_id": string,
"status": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "job_offers"
        isOneToOne: true
        isSetofReturn: false
      } },
"respond_to_product_offer":
{ Args: { "p_action": string,"p_amount"?: number,"p_message"?: string,"p_offer_id": string }; Returns: {
              "amount": number,
"buyer_id": string,
"closed_reason": string | null,
"conversation_id": string,
"counter_count": number,
"created_at": string,
"currency": string,
"delivery_address": string | null,
"expires_at": string,
"fulfilment": string,
"id": string,
"meetup_place": string | null,
"order_id": string | null,
"product_id": string,
"quantity": number,
"seller_id": string,
"status": string,
"status_changed_at": string,
"turn": string | null,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "product_offers"
        isOneToOne: true
        isSetofReturn: false
      } },
"restore_content":
{ Args: { "p_kind": string,"p_reason": string,"p_target_id": string }; Returns: {
              "action": string,
"actor_id": string | null,
"created_at": string,
"id": number,
"kind": string,
"reason": string,
"reports_closed": number,
"target_id": string,
"user_id": string | null
            }
                          SetofOptions: {
        from: "*"
        to: "moderation_actions"
        isOneToOne: true
        isSetofReturn: false
      } },
"revoke_verification":
{ Args: { "p_reason": string,"p_submission_id": string }; Returns: {
              "business_id": string | null,
"certificate_number": string | null,
"certification_id": string | null,
"certification_snapshot": Json | null,
"decided_at": string | null,
"decided_by": string | null,
"emirates_id_number": string | null,
"id": string,
"licence_emirate": string | null,
"licence_number": string | null,
"numbers_masked_at": string | null,
"purge_due_at": string | null,
"reason": string | null,
"revoked_at": string | null,
"revoked_by": string | null,
"status": string,
"submitted_at": string,
"type": string,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "verification_submissions"
        isOneToOne: true
        isSetofReturn: false
      } },
"save_fee_schedule":
{ Args: { "p_schedule": Json }; Returns: {
              "category_id": string | null,
"commission_bps": number,
"commission_max": number | null,
"commission_min": number,
"created_at": string,
"currency": string,
"effective_from": string,
"effective_until": string | null,
"id": string,
"note": string | null,
"region_id": string | null,
"service_fee_bps": number,
"service_fee_fixed": number,
"service_fee_max": number | null,
"trade_kind": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "fee_schedules"
        isOneToOne: true
        isSetofReturn: false
      } },
"save_money_region":
{ Args: { "p_boundary_geojson": Json,"p_code": string,"p_currency": string,"p_name": string,"p_prices_include_tax": boolean,"p_vat_rate": number }; Returns: {
              "boundary": unknown,
"code": string,
"created_at": string,
"currency": string,
"id": string,
"name": string,
"prices_include_tax": boolean,
"updated_at": string,
"vat_rate": number
            }
                          SetofOptions: {
        from: "*"
        to: "money_regions"
        isOneToOne: true
        isSetofReturn: false
      } },
"save_promo_code":
{ Args: { "p_promo": Json }; Returns: {
              "amount_off": number | null,
"code": string,
"created_at": string,
"currency": string | null,
"description": string | null,
"id": string,
"is_active": boolean,
"kind": string,
"max_discount": number | null,
"max_uses": number | null,
"max_uses_per_user": number,
"min_order": number,
"percent_bps": number | null,
"trade_kinds": (string)[] | null,
"updated_at": string,
"valid_from": string,
"valid_until": string | null
            }
                          SetofOptions: {
        from: "*"
        to: "promo_codes"
        isOneToOne: true
        isSetofReturn: false
      } },
"scan_booking":
{ Args: { "p_event": string,"p_note"?: string,"p_payload": string }; Returns: {
              "accepted_at": string | null,
"business_id": string | null,
"cancel_reason": string | null,
"cancellation_policy": NonNullable<Json>,
"cancelled_at": string | null,
"cancelled_by": string | null,
"cancelled_late": boolean | null,
"completed_at": string | null,
"created_at": string,
"currency": string,
"customer_id": string,
"customer_note": string | null,
"free_cancellation_until": string | null,
"id": string,
"listing_id": string | null,
"number": number,
"period": unknown,
"price": number,
"provider_id": string,
"reference": string | null,
"request_expires_at": string | null,
"start_code_attempts": number,
"started_at": string | null,
"status": string,
"status_changed_at": string | null,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "bookings"
        isOneToOne: true
        isSetofReturn: false
      } },
"search_listings_in_bounds":
{ Args: { "p_after"?: string,"p_available_now"?: boolean,"p_category_id"?: string,"p_east": number,"p_limit"?: number,"p_max_price"?: number,"p_min_price"?: number,"p_min_rating"?: number,"p_north": number,"p_open_from"?: string,"p_open_to"?: string,"p_sort"?: string,"p_south": number,"p_verified_only"?: boolean,"p_west": number }; Returns: {
              "base_price": number,"category_id": string,"cover_image_path": string,"currency": string,"cursor": string,"distance_m": number,"duration_minutes": number,"is_available": boolean,"is_verified": boolean,"lat": number,"listing_id": string,"lng": number,"pricing_unit": string,"provider_avatar_path": string,"provider_display_name": string,"provider_id": string,"rating_avg": number,"rating_count": number,"relevance": number,"reputation_score": number,"title": string
            }[]
                           },
"search_listings_nearby":
{ Args: { "p_after"?: string,"p_available_now"?: boolean,"p_category_id"?: string,"p_lat": number,"p_limit"?: number,"p_lng": number,"p_max_price"?: number,"p_min_price"?: number,"p_min_rating"?: number,"p_open_from"?: string,"p_open_to"?: string,"p_radius_m"?: number,"p_sort"?: string,"p_verified_only"?: boolean }; Returns: {
              "base_price": number,"category_id": string,"cover_image_path": string,"currency": string,"cursor": string,"distance_m": number,"duration_minutes": number,"is_available": boolean,"is_verified": boolean,"lat": number,"listing_id": string,"lng": number,"pricing_unit": string,"provider_avatar_path": string,"provider_display_name": string,"provider_id": string,"rating_avg": number,"rating_count": number,"relevance": number,"reputation_score": number,"title": string
            }[]
                           },
"search_products":
{ Args: { "p_category_id"?: string,"p_conditions"?: (string)[],"p_cursor"?: string,"p_feed"?: string,"p_lat": number,"p_limit"?: number,"p_lng": number,"p_max_price"?: number,"p_min_price"?: number,"p_query": string,"p_radius_m"?: number,"p_sort"?: string }; Returns: {
              "cursor": string,"distance_m": number,"product": Database["public"]['Tables']["products"]['Row'],"reasons": Json,"score": number
            }[]
                           },
"search_providers_covering":
{ Args: { "p_after"?: string,"p_available_now"?: boolean,"p_category_id"?: string,"p_lat": number,"p_limit"?: number,"p_lng": number,"p_max_price"?: number,"p_min_price"?: number,"p_min_rating"?: number,"p_open_from"?: string,"p_open_to"?: string,"p_sort"?: string,"p_verified_only"?: boolean }; Returns: {
              "avatar_path": string,"business_name": string,"completed_jobs": number,"currency": string,"cursor": string,"display_name": string,"distance_m": number,"hourly_rate": number,"is_available": boolean,"is_verified": boolean,"lat": number,"lng": number,"price_from": number,"provider_id": string,"rating_avg": number,"rating_count": number,"relevance": number,"reputation_score": number,"username": string
            }[]
                           },
"search_providers_in_bounds":
{ Args: { "p_after"?: string,"p_available_now"?: boolean,"p_category_id"?: string,"p_east": number,"p_limit"?: number,"p_max_price"?: number,"p_min_price"?: number,"p_min_rating"?: number,"p_north": number,"p_open_from"?: string,"p_open_to"?: string,"p_sort"?: string,"p_south": number,"p_verified_only"?: boolean,"p_west": number }; Returns: {
              "avatar_path": string,"business_name": string,"completed_jobs": number,"currency": string,"cursor": string,"display_name": string,"distance_m": number,"hourly_rate": number,"is_available": boolean,"is_verified": boolean,"lat": number,"lng": number,"price_from": number,"provider_id": string,"rating_avg": number,"rating_count": number,"relevance": number,"reputation_score": number,"username": string
            }[]
                           },
"search_providers_nearby":
{ Args: { "p_after"?: string,"p_available_now"?: boolean,"p_category_id"?: string,"p_lat": number,"p_limit"?: number,"p_lng": number,"p_max_price"?: number,"p_min_price"?: number,"p_min_rating"?: number,"p_open_from"?: string,"p_open_to"?: string,"p_radius_m"?: number,"p_sort"?: string,"p_verified_only"?: boolean }; Returns: {
              "avatar_path": string,"business_name": string,"completed_jobs": number,"currency": string,"cursor": string,"display_name": string,"distance_m": number,"hourly_rate": number,"is_available": boolean,"is_verified": boolean,"lat": number,"lng": number,"price_from": number,"provider_id": string,"rating_avg": number,"rating_count": number,"relevance": number,"reputation_score": number,"username": string
            }[]
                           },
"send_message":
{ Args: { "p_attachment_path"?: string,"p_body"?: string,"p_client_key"?: string,"p_conversation_id": string,"p_kind"?: string,"p_payload"?: Json }; Returns: {
              "attachment_path": string | null,
"author_id": string | null,
"body": string | null,
"client_key": string | null,
"conversation_id": string,
"created_at": string,
"deleted_at": string | null,
"edited_at": string | null,
"hidden_at": string | null,
"id": number,
"kind": string,
"payload": Json | null,
"sender_id": string | null
            }
                          SetofOptions: {
        from: "*"
        to: "messages"
        isOneToOne: true
        isSetofReturn: false
      } },
"set_job_photos":
{ Args: { "p_job_id": string,"p_photo_paths": (string)[] }; Returns: {
              "accepted_offer_id": string | null,
"assigned_at": string | null,
"booking_id": string | null,
"budget_kind": string,
"budget_max": number,
"budget_min": number,
"cancel_reason": string | null,
"cancelled_at": string | null,
"category_id": string,
"created_at": string,
"currency": string,
"customer_id": string,
"description": string | null,
"direct_closed_at": string | null,
"direct_until": string | null,
"duration_minutes": number,
"expired_at": string | null,
"expires_at": string,
"fuzzed_location": unknown,
"hidden_at": string | null,
"id": string,
"is_asap": boolean,
"is_instant": boolean,
"neighbourhood": string | null,
"notified_count": number,
"photo_paths": (string)[],
"preferred_window": unknown,
"reopen_count": number,
"reopened_at": string | null,
"status": string,
"title": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "job_requests"
        isOneToOne: true
        isSetofReturn: false
      } },
"set_listing_service_area":
{ Args: { "p_area": Json,"p_listing_id": string }; Returns: {
              "base_price": number,
"booking_mode": string,
"cancellation_policy": Json | null,
"category_id": string,
"cover_image_path": string | null,
"coverage": unknown,
"created_at": string,
"currency": string,
"description": string | null,
"duration_minutes": number,
"hidden_at": string | null,
"id": string,
"is_active": boolean,
"location": unknown,
"media_paths": (string)[],
"pricing_unit": string,
"provider_id": string,
"service_area": unknown,
"service_radius_m": number | null,
"title": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "service_listings"
        isOneToOne: true
        isSetofReturn: false
      } },
"set_notification_preference":
{ Args: { "p_channel": string,"p_enabled": boolean,"p_type_group": string }; Returns: undefined
                           },
"set_provider_business":
{ Args: { "p_business_id": string,"p_provider_id": string }; Returns: {
              "base_lat": number | null,
"base_lng": number | null,
"base_location": unknown,
"business_id": string | null,
"business_name": string | null,
"category_ids": (string)[],
"completed_jobs": number,
"coverage": unknown,
"created_at": string,
"currency": string,
"deleted_at": string | null,
"description": string | null,
"display_name": string,
"hidden_at": string | null,
"hourly_rate": number | null,
"id": string,
"is_available": boolean,
"is_verified": boolean,
"price_from": number | null,
"rating_avg": number,
"rating_count": number,
"rating_sum": number,
"reputation_score": number,
"response_time_s": number | null,
"service_area": unknown,
"service_radius_m": number,
"skills": (string)[],
"timezone": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "provider_profiles"
        isOneToOne: true
        isSetofReturn: false
      } },
"set_provider_location":
{ Args: { "p_lat": number,"p_lng": number,"p_service_radius_m"?: number }; Returns: {
              "base_lat": number | null,
"base_lng": number | null,
"base_location": unknown,
"business_id": string | null,
"business_name": string | null,
"category_ids": (string)[],
"completed_jobs": number,
"coverage": unknown,
"created_at": string,
"currency": string,
"deleted_at": string | null,
"description": string | null,
"display_name": string,
"hidden_at": string | null,
"hourly_rate": number | null,
"id": string,
"is_available": boolean,
"is_verified": boolean,
"price_from": number | null,
"rating_avg": number,
"rating_count": number,
"rating_sum": number,
"reputation_score": number,
"response_time_s": number | null,
"service_area": unknown,
"service_radius_m": number,
"skills": (string)[],
"timezone": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "provider_profiles"
        isOneToOne: true
        isSetofReturn: false
      } },
"set_quiet_hours":
{ Args: { "p_end": string,"p_start": string,"p_time_zone": string }; Returns: {
              "quiet_hours_end": string | null,
"quiet_hours_start": string | null,
"time_zone": string,
"updated_at": string,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "notification_settings"
        isOneToOne: true
        isSetofReturn: false
      } },
"set_service_area":
{ Args: { "p_area": Json }; Returns: {
              "base_lat": number | null,
"base_lng": number | null,
"base_location": unknown,
"business_id": string | null,
"business_name": string | null,
"category_ids": (string)[],
"completed_jobs": number,
"coverage": unknown,
"created_at": string,
"currency": string,
"deleted_at": string | null,
"description": string | null,
"display_name": string,
"hidden_at": string | null,
"hourly_rate": number | null,
"id": string,
"is_available": boolean,
"is_verified": boolean,
"price_from": number | null,
"rating_avg": number,
"rating_count": number,
"rating_sum": number,
"reputation_score": number,
"response_time_s": number | null,
"service_area": unknown,
"service_radius_m": number,
"skills": (string)[],
"timezone": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "provider_profiles"
        isOneToOne: true
        isSetofReturn: false
      } },
"set_weekly_availability":
{ Args: { "p_rules": Json }; Returns: {
              "created_at": string,
"end_time": string,
"id": string,
"provider_id": string,
"start_time": string,
"weekday": number
            }[]
                          SetofOptions: {
        from: "*"
        to: "availability_rules"
        isOneToOne: false
        isSetofReturn: true
      } },
"start_booking":
{ Args: { "p_booking_id": string,"p_code": string }; Returns: Json
                           },
"start_conversation":
{ Args: { "p_context_id"?: string,"p_context_kind": string,"p_other_user_id"?: string }; Returns: {
              "business_id": string | null,
"business_user_id": string | null,
"context_id": string | null,
"context_kind": string,
"created_at": string,
"created_by": string | null,
"id": string,
"last_activity_at": string,
"last_message_at": string | null,
"last_message_id": number | null,
"message_count": number,
"user_high": string,
"user_low": string
            }
                          SetofOptions: {
        from: "*"
        to: "conversations"
        isOneToOne: true
        isSetofReturn: false
      } },
"submit_review":
{ Args: { "p_comment"?: string,"p_kind": string,"p_rating": number,"p_subratings"?: Json,"p_trade_id": string }; Returns: {
              "author_id": string | null,
"author_side": string,
"comment": string | null,
"created_at": string,
"hidden_at": string | null,
"id": string,
"published_at": string | null,
"rating": number,
"replied_at": string | null,
"replied_by": string | null,
"reply": string | null,
"reviewee_id": string,
"reviewee_role": string,
"subratings": NonNullable<Json>,
"trade_id": string,
"trade_kind": string,
"updated_at": string,
"window_ends_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "reviews"
        isOneToOne: true
        isSetofReturn: false
      } },
"submit_verification":
{ Args: { "p_business_id"?: string,"p_certificate_number"?: string,"p_certification_id"?: string,"p_documents": Json,"p_emirates_id_number"?: string,"p_licence_emirate"?: string,"p_licence_number"?: string,"p_type": string }; Returns: {
              "business_id": string | null,
"certificate_number": string | null,
"certification_id": string | null,
"certification_snapshot": Json | null,
"decided_at": string | null,
"decided_by": string | null,
"emirates_id_number": string | null,
"id": string,
"licence_emirate": string | null,
"licence_number": string | null,
"numbers_masked_at": string | null,
"purge_due_at": string | null,
"reason": string | null,
"revoked_at": string | null,
"revoked_by": string | null,
"status": string,
"submitted_at": string,
"type": string,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "verification_submissions"
        isOneToOne: true
        isSetofReturn: false
      } },
"suspend_user":
{ Args: { "p_reason": string,"p_until"?: string,"p_user_id": string }; Returns: {
              "appeal_answer": string | null,
"appeal_answered_at": string | null,
"appeal_answered_by": string | null,
"appeal_status": string | null,
"appeal_text": string | null,
"appealed_at": string | null,
"created_at": string,
"end_kind": string | null,
"end_reason": string | null,
"ended_at": string | null,
"ended_by": string | null,
"ends_at": string | null,
"id": string,
"reason": string,
"starts_at": string,
"suspended_by": string | null,
"user_id": string
            }
                          SetofOptions: {
        from: "*"
        to: "user_suspensions"
        isOneToOne: true
        isSetofReturn: false
      } },
"switch_mode":
{ Args: { "p_mode": string }; Returns: {
              "active_mode": string,
"avatar_path": string | null,
"bio": string | null,
"created_at": string,
"currency": string,
"deleted_at": string | null,
"full_name": string,
"hidden_at": string | null,
"id": string,
"is_provider": boolean,
"is_seller": boolean,
"is_verified": boolean,
"locale": string,
"neighbourhood": string | null,
"updated_at": string,
"username": string
            }
                          SetofOptions: {
        from: "*"
        to: "profiles"
        isOneToOne: true
        isSetofReturn: false
      } },
"take_job":
{ Args: { "p_expected_budget"?: number,"p_job_id": string,"p_start"?: string }; Returns: {
              "accepted_at": string | null,
"business_id": string | null,
"cancel_reason": string | null,
"cancellation_policy": NonNullable<Json>,
"cancelled_at": string | null,
"cancelled_by": string | null,
"cancelled_late": boolean | null,
"completed_at": string | null,
"created_at": string,
"currency": string,
"customer_id": string,
"customer_note": string | null,
"free_cancellation_until": string | null,
"id": string,
"listing_id": string | null,
"number": number,
"period": unknown,
"price": number,
"provider_id": string,
"reference": string | null,
"request_expires_at": string | null,
"start_code_attempts": number,
"started_at": string | null,
"status": string,
"status_changed_at": string | null,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "bookings"
        isOneToOne: true
        isSetofReturn: false
      } },
"transfer_business_ownership":
{ Args: { "p_business_id": string,"p_new_owner_id": string }; Returns: {
              "closed_at": string | null,
"created_at": string,
"description": string | null,
"id": string,
"is_verified": boolean,
"logo_path": string | null,
"name": string,
"owner_id": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "businesses"
        isOneToOne: true
        isSetofReturn: false
      } },
"transition_booking":
{ Args: { "p_booking_id": string,"p_metadata"?: Json,"p_reason"?: string,"p_transition": string }; Returns: {
              "accepted_at": string | null,
"business_id": string | null,
"cancel_reason": string | null,
"cancellation_policy": NonNullable<Json>,
"cancelled_at": string | null,
"cancelled_by": string | null,
"cancelled_late": boolean | null,
"completed_at": string | null,
"created_at": string,
"currency": string,
"customer_id": string,
"customer_note": string | null,
"free_cancellation_until": string | null,
"id": string,
"listing_id": string | null,
"number": number,
"period": unknown,
"price": number,
"provider_id": string,
"reference": string | null,
"request_expires_at": string | null,
"start_code_attempts": number,
"started_at": string | null,
"status": string,
"status_changed_at": string | null,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "bookings"
        isOneToOne: true
        isSetofReturn: false
      } },
"transition_order":
{ Args: { "p_action": string,"p_metadata"?: Json,"p_order_id": string,"p_reason"?: string }; Returns: {
              "breakdown": NonNullable<Json>,
"buyer_id": string,
"buyer_note": string | null,
"cancel_reason": string | null,
"cancelled_at": string | null,
"cancelled_by": string | null,
"completed_at": string | null,
"created_at": string,
"currency": string,
"customer_total": number,
"delivery_address": string | null,
"disputed_at": string | null,
"expired_at": string | null,
"fee_region_id": string | null,
"fee_schedule_id": string,
"fulfilment": string,
"id": string,
"meetup_place": string | null,
"number": number,
"offer_id": string | null,
"paid_amount": number,
"paid_at": string | null,
"platform_revenue": number,
"product_id": string,
"quantity": number,
"received_at": string | null,
"reference": string | null,
"refunded_amount": number,
"reserved_until": string,
"resolved_at": string | null,
"seller_id": string,
"seller_payout": number,
"sent_at": string | null,
"status": string,
"status_changed_at": string,
"subtotal": number,
"tax": number,
"trade_kind": string,
"unit_price": number,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "orders"
        isOneToOne: true
        isSetofReturn: false
      } },
"transition_stream":
{ Args: { "p_reason"?: string,"p_stream_id": string,"p_transition": string }; Returns: {
              "category_id": string | null,
"comment_count": number,
"created_at": string,
"description": string,
"ended_at": string | null,
"hidden_at": string | null,
"id": string,
"ingest_changed_at": string | null,
"ingest_status": string | null,
"peak_viewers": number,
"playback_id": string | null,
"scheduled_at": string,
"seller_id": string,
"started_at": string | null,
"status": string,
"thumbnail_path": string | null,
"title": string,
"total_views": number,
"updated_at": string,
"viewer_count": number
            }
                          SetofOptions: {
        from: "*"
        to: "streams"
        isOneToOne: true
        isSetofReturn: false
      } },
"unblock_user":
{ Args: { "p_user_id": string }; Returns: boolean
                           },
"unfollow_seller":
{ Args: { "p_seller_id": string }; Returns: boolean
                           },
"unlike_product":
{ Args: { "p_product_id": string }; Returns: boolean
                           },
"unpin_stream_product":
{ Args: { "p_product_id": string,"p_stream_id": string }; Returns: boolean
                           },
"unread_notification_count":
{ Args: Record<PropertyKey, never>; Returns: number
                           },
"unregister_device_token":
{ Args: { "p_token": string }; Returns: undefined
                           },
"update_job":
{ Args: { "p_changes": Json,"p_job_id": string }; Returns: {
              "accepted_offer_id": string | null,
"assigned_at": string | null,
"booking_id": string | null,
"budget_kind": string,
"budget_max": number,
"budget_min": number,
"cancel_reason": string | null,
"cancelled_at": string | null,
"category_id": string,
"created_at": string,
"currency": string,
"customer_id": string,
"description": string | null,
"direct_closed_at": string | null,
"direct_until": string | null,
"duration_minutes": number,
"expired_at": string | null,
"expires_at": string,
"fuzzed_location": unknown,
"hidden_at": string | null,
"id": string,
"is_asap": boolean,
"is_instant": boolean,
"neighbourhood": string | null,
"notified_count": number,
"photo_paths": (string)[],
"preferred_window": unknown,
"reopen_count": number,
"reopened_at": string | null,
"status": string,
"title": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "job_requests"
        isOneToOne: true
        isSetofReturn: false
      } },
"update_product":
{ Args: { "p_changes": Json,"p_product_id": string }; Returns: {
              "available_quantity": number,
"building": string | null,
"category_id": string,
"condition": string,
"created_at": string,
"currency": string,
"description": string,
"feed": string,
"hidden_at": string | null,
"id": string,
"image_paths": (string)[],
"like_count": number,
"location": unknown,
"neighbourhood": string | null,
"original_price": number | null,
"price": number,
"quantity": number,
"seller_id": string,
"sold_at": string | null,
"status": string,
"tags": (string)[],
"title": string,
"updated_at": string,
"video_path": string | null,
"video_thumbnail_path": string | null,
"view_count": number,
"withdrawn_at": string | null
            }
                          SetofOptions: {
        from: "*"
        to: "products"
        isOneToOne: true
        isSetofReturn: false
      } },
"update_stream":
{ Args: { "p_changes": Json,"p_stream_id": string }; Returns: {
              "category_id": string | null,
"comment_count": number,
"created_at": string,
"description": string,
"ended_at": string | null,
"hidden_at": string | null,
"id": string,
"ingest_changed_at": string | null,
"ingest_status": string | null,
"peak_viewers": number,
"playback_id": string | null,
"scheduled_at": string,
"seller_id": string,
"started_at": string | null,
"status": string,
"thumbnail_path": string | null,
"title": string,
"total_views": number,
"updated_at": string,
"viewer_count": number
            }
                          SetofOptions: {
        from: "*"
        to: "streams"
        isOneToOne: true
        isSetofReturn: false
      } },
"warn_user":
{ Args: { "p_reason": string,"p_user_id": string }; Returns: {
              "action": string,
"actor_id": string | null,
"created_at": string,
"id": number,
"kind": string,
"reason": string,
"reports_closed": number,
"target_id": string,
"user_id": string | null
            }
                          SetofOptions: {
        from: "*"
        to: "moderation_actions"
        isOneToOne: true
        isSetofReturn: false
      } },
"withdraw_booking_reschedule":
{ Args: { "p_reschedule_id": string }; Returns: {
              "answer_reason": string | null,
"answered_by": string | null,
"booking_id": string,
"closed_at": string | null,
"created_at": string,
"expires_at": string,
"id": string,
"previous_period": unknown,
"proposed_by": string | null,
"proposed_period": unknown,
"proposer_role": string,
"reason": string,
"status": string
            }
                          SetofOptions: {
        from: "*"
        to: "booking_reschedules"
        isOneToOne: true
        isSetofReturn: false
      } },
"withdraw_offer":
{ Args: { "p_offer_id": string }; Returns: {
              "accepted_at": string | null,
"accepted_price": number | null,
"booking_id": string | null,
"closed_at": string | null,
"counter_message": string | null,
"counter_price": number | null,
"countered_at": string | null,
"created_at": string,
"currency": string,
"duration_minutes": number,
"expires_at": string,
"id": string,
"job_id": string,
"message": string | null,
"price": number,
"proposed_start": string,
"provider_id": string,
"status": string,
"updated_at": string
            }
                          SetofOptions: {
        from: "*"
        to: "job_offers"
        isOneToOne: true
        isSetofReturn: false
      } },
"withdraw_product":
{ Args: { "p_product_id": string }; Returns: {
              "available_quantity": number,
"building": string | null,
"category_id": string,
"condition": string,
"created_at": string,
"currency": string,
"description": string,
"feed": string,
"hidden_at": string | null,
"id": string,
"image_paths": (string)[],
"like_count": number,
"location": unknown,
"neighbourhood": string | null,
"original_price": number | null,
"price": number,
"quantity": number,
"seller_id": string,
"sold_at": string | null,
"status": string,
"tags": (string)[],
"title": string,
"updated_at": string,
"video_path": string | null,
"video_thumbnail_path": string | null,
"view_count": number,
"withdrawn_at": string | null
            }
                          SetofOptions: {
        from: "*"
        to: "products"
        isOneToOne: true
        isSetofReturn: false
      } }
          }
          Enums: {
            [_ in never]: never
          }
          CompositeTypes: {
            "open_job": {
                        "id": string | null,"customer_id": string | null,"category_id": string | null,"title": string | null,"description": string | null,"budget_kind": string | null,"budget_min": number | null,"budget_max": number | null,"currency": string | null,"duration_minutes": number | null,"is_asap": boolean | null,"is_instant": boolean | null,"preferred_start": string | null,"preferred_end": string | null,"neighbourhood": string | null,"lat": number | null,"lng": number | null,"distance_m": number | null,"photo_count": number | null,"live_offer_count": number | null,"is_matched": boolean | null,"my_offer_id": string | null,"my_offer_status": string | null,"direct_until": string | null,"expires_at": string | null,"created_at": string | null,"cursor": string | null
                      }
          }
        }
}

type DatabaseWithoutInternals = Omit<Database, '__InternalSupabase'>

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
  ? (DefaultSchema["Tables"] & DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
      Row: infer R
    }
    ? R
    : never
  : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
  ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Insert: infer I
    }
    ? I
    : never
  : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
  ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Update: infer U
    }
    ? U
    : never
  : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never = never
> = DefaultSchemaEnumNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
  ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
  : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never = never
> = PublicCompositeTypeNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
  ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
  : never

export const Constants = {
  "public": {
          Enums: {
            
          }
        }
} as const
