// Generated from the API's OpenAPI document (/api/v1/openapi.json) by scripts/generate-api.mjs:
// run `npm run generate` after changing the API. Do not edit by hand.

export interface paths {
    "/api/v1/assignments/bulk": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Assign many leads to one member, all or nothing
         * @description Allowed: team lead (own team), admin.
         */
        post: operations["bulk_assign"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/assignments/round-robin": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Spread leads over a team by free capacity
         * @description Allowed: team lead, admin.
         */
        post: operations["round_robin"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/delivery-problems": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Notifications the bot could not deliver, with the reason (e.g. app not installed)
         * @description Allowed: team lead (own team), manager, admin.
         */
        get: operations["get_delivery_problems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/follow-ups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Active follow-ups: ?scope=mine or team; or all of one lead: ?scope=lead&lead=<id>
         * @description Allowed: any member.
         */
        get: operations["get_follow_ups"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/follow-ups/{id}/complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Done, with an outcome
         * @description Allowed: owner, team lead, admin.
         */
        post: operations["complete_follow_up"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/follow-ups/{id}/reschedule": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Move to a day or time
         * @description Allowed: owner, team lead, admin.
         */
        post: operations["reschedule_follow_up"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/follow-ups/{id}/snooze": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Snooze 1 h, to tomorrow or next week
         * @description Allowed: owner, team lead, admin.
         */
        post: operations["snooze_follow_up"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hand-offs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Hand-offs waiting for a decision
         * @description Allowed: team lead (own team), manager, admin.
         */
        get: operations["get_hand_offs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hand-offs/{id}/accept": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Accept: the lead becomes SAL
         * @description Allowed: team lead, admin.
         */
        post: operations["accept_hand_off"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/hand-offs/{id}/reject": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Reject with a reason: the lead is recycled
         * @description Allowed: team lead, admin.
         */
        post: operations["reject_hand_off"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/health/practice": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The practice health check: each nurturing rule measured on the live data, with a traffic light and the leads behind it (?days= the period, default 90, at most 730)
         * @description Allowed: manager, admin.
         */
        get: operations["get_practice_health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/leads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Leads the caller may see: filter, search, sort, cursor paging
         * @description Allowed: any member.
         */
        get: operations["get_leads"];
        put?: never;
        /**
         * Capture a lead (routed and scored)
         * @description Allowed: rep (owns it), team lead, admin.
         */
        post: operations["create_lead"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/leads/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One lead
         * @description Allowed: any member.
         */
        get: operations["get_lead"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Progressive profiling; carries the version (409 if stale)
         * @description Allowed: owner, team lead, admin.
         */
        patch: operations["update_lead"];
        trace?: never;
    };
    "/api/v1/leads/{id}/hand-offs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Propose a hand-off to sales
         * @description Allowed: owner, team lead, admin.
         */
        post: operations["post_hand_off"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/leads/{id}/history/sync": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Pull the caller's mail with this lead from Microsoft Graph, if the last pull is stale
         * @description Allowed: anyone who can see the lead.
         */
        post: operations["sync_history"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/leads/{id}/lifecycle": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Move the lifecycle: SQL, opportunity, won, or (with a reason) lost, disqualified, recycled
         * @description Allowed: owner, team lead, admin.
         */
        put: operations["put_lifecycle"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/leads/{id}/owner": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Assign one lead
         * @description Allowed: team lead (own team), admin.
         */
        post: operations["assign_owner"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/leads/{id}/stage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Override the buyer stage, with a reason
         * @description Allowed: owner, team lead, admin.
         */
        put: operations["put_stage"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/leads/{id}/threads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The lead's mail and chat threads, the most recently active first
         * @description Allowed: whoever may see the lead.
         */
        get: operations["get_threads"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/leads/{id}/timeline": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Messages, touches, events, stage, lifecycle and owner changes, newest first, cursor paged (?filter=all|mail|chat|activity, ?thread=<key>)
         * @description Allowed: whoever may see the lead.
         */
        get: operations["get_timeline"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/leads/{id}/touchpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Log a call, mail, meeting or chat
         * @description Allowed: owner, team lead, admin.
         */
        post: operations["post_touchpoint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/leads/erase": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Erase a lead and everything about them (GDPR); nothing that names the address is left
         * @description Allowed: admin.
         */
        post: operations["erase_lead_route"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/leads/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * All leads as CSV, streamed
         * @description Allowed: manager, admin.
         */
        get: operations["export_leads"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/leads/import": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Lead import from a CSV (UTF-8, UTF-16 or Windows-1252; comma, semicolon or tab) or an .xlsx, sent as the body. HubSpot, Dynamics 365, Salesforce and Pipedrive exports are recognised (?preset= forces one); ?map=Source column=field (repeatable) maps a column; ?keep_unmapped=true keeps the other columns as custom fields. Existing leads are updated by e-mail. ?dry_run=true checks and writes nothing. Nothing is written if any line is bad, unless ?skip_invalid=true
         * @description Allowed: team lead, admin.
         */
        post: operations["import_leads"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The signed-in member
         * @description Allowed: any member.
         */
        get: operations["me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Everyone in the tenant (the member picker)
         * @description Allowed: any member.
         */
        get: operations["get_members"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/members/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Role, team, capacity, availability, working hours
         * @description Allowed: admin.
         */
        patch: operations["patch_member"];
        trace?: never;
    };
    "/api/v1/pipeline": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Funnel counts, conversions, time in stage, time to first touch, hand-offs, SLA and overdue per rep (?since=&until= ISO dates, default the last 30 days; ?team= or ?owner=)
         * @description Allowed: team lead (own team), manager, admin.
         */
        get: operations["get_pipeline"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Rules in force, content library, routing and teams
         * @description Allowed: manager, admin.
         */
        get: operations["get_settings"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/settings/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tenant's webhook keys, without secrets
         * @description Allowed: admin.
         */
        get: operations["get_keys"];
        put?: never;
        /**
         * Create a webhook key; its text is shown once
         * @description Allowed: admin.
         */
        post: operations["create_key"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/settings/api-keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke a webhook key
         * @description Allowed: admin.
         */
        delete: operations["revoke_key"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/settings/content": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Replace the content library
         * @description Allowed: admin.
         */
        put: operations["put_content"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/settings/routing": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Replace the routing rules
         * @description Allowed: admin.
         */
        put: operations["put_routing"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/settings/rules/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Replace one rule set: scoring, thresholds, cadence, sla, recycling or routing_fallback (validated by the engine's own types)
         * @description Allowed: admin.
         */
        put: operations["put_rules"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/teams": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create a team
         * @description Allowed: admin.
         */
        post: operations["post_team"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/teams/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change a team: name, time zone, the channel and schedule of its pipeline card
         * @description Allowed: admin.
         */
        patch: operations["patch_team"];
        trace?: never;
    };
    "/api/v1/vocabulary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Words for codes
         * @description Allowed: any member.
         */
        get: operations["get_vocabulary"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Engagement events from marketing tools, up to 1,000 per call, idempotent by external_id
         * @description Allowed: API key.
         */
        post: operations["receive_events"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/leads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Lead capture from a form
         * @description Allowed: API key.
         */
        post: operations["capture_lead"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** ApiKeyCreatedOut */
        ApiKeyCreatedOut: {
            details: components["schemas"]["ApiKeyPublic"];
            /**
             * Key
             * @description Send as Authorization: Bearer <key>; shown only this once
             */
            key: string;
        };
        /** ApiKeyIn */
        ApiKeyIn: {
            /**
             * Name
             * @description Which integration uses it
             */
            name: string;
        };
        /** ApiKeyListOut */
        ApiKeyListOut: {
            /** Items */
            items: components["schemas"]["ApiKeyPublic"][];
        };
        /** ApiKeyPublic */
        ApiKeyPublic: {
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** Key Id */
            key_id: string;
            /** Last Used At */
            last_used_at: string | null;
            /** Name */
            name: string;
            /** Revoked At */
            revoked_at: string | null;
        };
        /** AssignIn */
        AssignIn: {
            /**
             * Member Id
             * Format: uuid
             */
            member_id: string;
            /**
             * Reason
             * @default null
             */
            reason?: string | null;
            /**
             * Version
             * @description The lead version the caller saw
             * @default null
             */
            version?: number | null;
        };
        /**
         * AssignmentMethod
         * @enum {string}
         */
        AssignmentMethod: "manual" | "round_robin" | "rule" | "import" | "handover" | "fallback";
        /** AssignmentsOut */
        AssignmentsOut: {
            /** Changes */
            changes: components["schemas"]["OwnershipChangeOut"][];
        };
        /** BulkAssignIn */
        BulkAssignIn: {
            /** Lead Ids */
            lead_ids: string[];
            /**
             * Member Id
             * Format: uuid
             */
            member_id: string;
            /**
             * Reason
             * @default null
             */
            reason?: string | null;
        };
        /**
         * BuyerStage
         * @enum {string}
         */
        BuyerStage: "awareness" | "evaluation" | "decision";
        /**
         * ChangeReasonOut
         * @description An engine reason for a stage or lifecycle change: a stable code, its parameters, and the engine's
         *     own words for it in English and German (the same sentence the cards show).
         */
        ChangeReasonOut: {
            /** Code */
            code: string;
            /** Params */
            params?: {
                [key: string]: string | number;
            };
            /**
             * Text
             * @description The reason in words, by language: en, de
             */
            text?: {
                [key: string]: string;
            };
        };
        /**
         * Check
         * @description The lines of the check, in the order they are reported.
         * @enum {string}
         */
        Check: "re_proposed_before_nurture_until" | "re_proposed_within_30_days" | "hot_leads_parked" | "over_contact_cap" | "mail_to_unsubscribed" | "follow_ups_of_inactive_members" | "leads_without_owner" | "escalations_without_recipient" | "stale_scores" | "dormant_leads";
        /** CompleteIn */
        CompleteIn: {
            /**
             * Note
             * @default null
             */
            note?: string | null;
            outcome: components["schemas"]["FollowUpOutcome"];
            /**
             * @description Why: sets how long the lead is nurtured before it may return to sales
             * @default null
             */
            reason_code?: components["schemas"]["RecycleReason"] | null;
            /**
             * Until
             * @description Under contract: when it ends (required). Bad timing or no budget: when to return
             * @default null
             */
            until?: string | null;
            /**
             * Version
             * @default null
             */
            version?: number | null;
        };
        /** ContentIn */
        ContentIn: {
            /** Items */
            items: components["schemas"]["ContentItemIn"][];
        };
        /**
         * ContentItemIn
         * @description One entry of the content library; cards link to ``url``, so only https addresses are taken.
         */
        ContentItemIn: {
            /** Id */
            id: string;
            /**
             * Kind
             * @enum {string}
             */
            kind: "article" | "guide" | "checklist" | "case_study" | "comparison" | "webinar" | "pricing" | "demo" | "roi_calculator" | "video";
            /**
             * Language
             * @default en
             */
            language?: string;
            /** Personas */
            personas?: string[];
            /** Stages */
            stages: components["schemas"]["BuyerStage"][];
            /** Title */
            title: string;
            /** Topics */
            topics?: string[];
            /** Url */
            url: string;
        };
        /** ContentTitleOut */
        ContentTitleOut: {
            /** Id */
            id: string;
            /** Kind */
            kind: string;
            /** Title */
            title: string;
            /** Url */
            url: string;
        };
        /**
         * Correspondent
         * @description Who wrote a message, as the mail or chat named them.
         */
        Correspondent: {
            /** Address */
            address: string | null;
            /** Name */
            name: string | null;
        };
        /** CountOut */
        CountOut: {
            /** Count */
            count: number;
        };
        /** DeliveryProblemListOut */
        DeliveryProblemListOut: {
            /** Items */
            items: components["schemas"]["DeliveryProblemOut"][];
        };
        /** DeliveryProblemOut */
        DeliveryProblemOut: {
            /** Attempts */
            attempts: number;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /**
             * Kind
             * @description What the notice was, e.g. follow_up.due or ownership.assigned
             */
            kind: string;
            /**
             * Last Error
             * @description Why, e.g. the member has not installed the Nurture app
             */
            last_error: string | null;
            /** Member Id */
            member_id: string | null;
            /**
             * Status
             * @description undeliverable, blocked or failed
             */
            status: string;
            /** Team Id */
            team_id: string | null;
        };
        /**
         * Direction
         * @enum {string}
         */
        Direction: "inbound" | "outbound";
        /**
         * EffectOut
         * @description What an event changed on the lead when it arrived (several arriving together: on the newest).
         */
        EffectOut: {
            /** Hand Off Proposed */
            hand_off_proposed: boolean;
            lifecycle: components["schemas"]["LifecycleMove"] | null;
            /** Score After */
            score_after: number;
            /** Score Before */
            score_before: number;
            /** Score Delta */
            score_delta: number;
            stage: components["schemas"]["StageMove"] | null;
        };
        /** EraseIn */
        EraseIn: {
            /**
             * Email
             * Format: email
             * @description The lead's address
             */
            email: string;
        };
        /** EraseOut */
        EraseOut: {
            /**
             * Lead Id
             * Format: uuid
             */
            lead_id: string;
            /**
             * Rows
             * @description Rows removed (or redacted) per table
             */
            rows: {
                [key: string]: number;
            };
        };
        /** ErrorOut */
        ErrorOut: {
            /**
             * Details
             * @description For invalid_input: one entry per field
             * @default null
             */
            details?: components["schemas"]["FieldProblemOut"][] | null;
            /**
             * Error
             * @description A stable code, e.g. not_found, not_allowed, stale_version
             */
            error: string;
            /**
             * Message
             * @description For invalid_input: what was wrong, naming the parameter
             * @default null
             */
            message?: string | null;
        };
        /** EventBatchIn */
        EventBatchIn: {
            /** Events */
            events: components["schemas"]["EventIn"][];
        };
        /** EventBatchOut */
        EventBatchOut: {
            /** Accepted */
            accepted: number;
            /** Duplicates */
            duplicates: number;
            /**
             * Unknown Lead
             * @description External ids whose lead is not known in this tenant
             */
            unknown_lead: string[];
        };
        /**
         * EventIn
         * @description One engagement event as an integration sends it; the lead is named by id or by e-mail.
         */
        EventIn: {
            /**
             * Email
             * @default null
             */
            email?: string | null;
            /** External Id */
            external_id: string;
            /** Kind */
            kind: string;
            /**
             * Lead Id
             * @default null
             */
            lead_id?: string | null;
            /**
             * Occurred At
             * Format: date-time
             * @description With an offset; within the last five years, at most a day ahead
             */
            occurred_at: string;
            /** Properties */
            properties?: {
                [key: string]: string | boolean | number;
            };
        };
        /** EventItemOut */
        EventItemOut: {
            /**
             * At
             * Format: date-time
             */
            at: string;
            effect: components["schemas"]["EffectOut"] | null;
            /**
             * Event
             * @description An EventKind value, or an integration's own code
             */
            event: string;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "event";
            /** Properties */
            properties: {
                [key: string]: string | number | boolean | null;
            };
        };
        /** FieldProblemOut */
        FieldProblemOut: {
            /**
             * Field
             * @description Dotted path of the field at fault, e.g. events.0.occurred_at
             */
            field: string;
            /** Problem */
            problem: string;
        };
        /**
         * FollowUpKind
         * @enum {string}
         */
        FollowUpKind: "nurture" | "reminder" | "answer" | "signal" | "awaiting_reply" | "discovery_call" | "long_term" | "sales_step" | "fix_address";
        /** FollowUpListOut */
        FollowUpListOut: {
            /** Items */
            items: components["schemas"]["FollowUpOut"][];
        };
        /** FollowUpOut */
        FollowUpOut: {
            /**
             * Due At
             * Format: date-time
             */
            due_at: string;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            kind: components["schemas"]["FollowUpKind"];
            /**
             * Lead Id
             * Format: uuid
             */
            lead_id: string;
            outcome: components["schemas"]["FollowUpOutcome"] | null;
            /** Owner Id */
            owner_id: string | null;
            /** Reasons */
            reasons: components["schemas"]["ReasonOut"][];
            status: components["schemas"]["FollowUpStatus"];
            suggested_channel: components["schemas"]["TouchpointKind"] | null;
            /** Suggested Content Key */
            suggested_content_key: string | null;
        };
        /**
         * FollowUpOutcome
         * @enum {string}
         */
        FollowUpOutcome: "replied" | "no_answer" | "meeting_booked" | "not_interested";
        /**
         * FollowUpStatus
         * @enum {string}
         */
        FollowUpStatus: "open" | "done" | "snoozed" | "skipped" | "cancelled";
        /** HandOffListOut */
        HandOffListOut: {
            /** Items */
            items: components["schemas"]["HandOffOut"][];
        };
        /** HandOffOut */
        HandOffOut: {
            /** Decided At */
            decided_at: string | null;
            /** Evidence */
            evidence: components["schemas"]["ReasonOut"][];
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /**
             * Lead Id
             * Format: uuid
             */
            lead_id: string;
            /** Nurture Until */
            nurture_until: string | null;
            /**
             * Proposed At
             * Format: date-time
             */
            proposed_at: string;
            /** Reason */
            reason: string | null;
            reason_code: components["schemas"]["RecycleReason"] | null;
            status: components["schemas"]["HandOffStatus"];
        };
        /**
         * HandOffStatus
         * @enum {string}
         */
        HandOffStatus: "proposed" | "accepted" | "rejected" | "withdrawn";
        /** HealthLeadOut */
        HealthLeadOut: {
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** Name */
            name: string;
            why: components["schemas"]["HealthWhyOut"];
            /**
             * Why Text
             * @description The reason in English
             */
            why_text: string;
        };
        /** HealthLineOut */
        HealthLineOut: {
            /**
             * Amber From
             * @description Value from which the line is amber
             */
            amber_from: number;
            /**
             * Base
             * @description What the share is of, where the line is judged by a share
             */
            base: number | null;
            check: components["schemas"]["Check"];
            /**
             * Count
             * @description Cases found: leads, follow-ups, proposals or escalations
             */
            count: number;
            /**
             * Leads
             * @description Up to 20 of the leads behind the count, worst first
             */
            leads: components["schemas"]["HealthLeadOut"][];
            light: components["schemas"]["Light"];
            /**
             * Red From
             * @description Value from which the line is red
             */
            red_from: number;
            /**
             * Share
             * @description Whether value is a share (0-1) rather than a count
             */
            share: boolean;
            /**
             * Title
             * @description The line in English
             */
            title: string;
            /**
             * Value
             * @description What the light judges: the count, or its share of the base
             */
            value: number;
        };
        /** HealthWhyOut */
        HealthWhyOut: {
            /**
             * Code
             * @description Why the lead is named, e.g. proposed_again_after or no_owner
             */
            code: string;
            /**
             * Params
             * @description The figures and dates the reason names
             */
            params: {
                [key: string]: string | number;
            };
        };
        /** HistoryStateOut */
        HistoryStateOut: {
            /** Admin Consent Url */
            admin_consent_url: string | null;
            /** Last Synced At */
            last_synced_at: string | null;
            /**
             * Messages
             * @description Messages stored for this lead
             */
            messages: number;
            /**
             * Status
             * @description synced; not_synced (Graph connected, nothing synced for this lead yet); consent_required (an admin must grant access at admin_consent_url); unavailable (Graph not connected here, nothing stored)
             * @enum {string}
             */
            status: "synced" | "not_synced" | "consent_required" | "unavailable";
        };
        /** HistorySyncOut */
        HistorySyncOut: {
            /**
             * Admin Consent Url
             * @description Where an admin grants Nurture's Graph access
             * @default null
             */
            admin_consent_url?: string | null;
            /**
             * Detail
             * @default null
             */
            detail?: string | null;
            /**
             * Status
             * @description synced, fresh (synced recently), unavailable or consent_required
             */
            status: string;
            /**
             * Stored
             * @default 0
             */
            stored?: number;
        };
        /** ImportColumnOut */
        ImportColumnOut: {
            /**
             * Column
             * @description The header as written in the file
             */
            column: string;
            /**
             * Field
             * @description The lead field it fills, custom.<name>, or ignore
             */
            field: string;
        };
        /** ImportOut */
        ImportOut: {
            /**
             * Created
             * @description Leads this file creates (or would create, in a dry run)
             * @default 0
             */
            created?: number;
            /**
             * Dry Run
             * @default false
             */
            dry_run?: boolean;
            /**
             * Encoding
             * @description The text encoding that was detected, for a CSV
             * @default null
             */
            encoding?: string | null;
            /** Errors */
            errors: components["schemas"]["RowErrorOut"][];
            /**
             * Fields
             * @description The fields a column can be mapped to
             */
            fields?: string[];
            /**
             * Header
             * @description The file's columns, to map them
             */
            header?: string[];
            /**
             * Imported
             * @description Leads written, created or updated; 0 in a dry run
             */
            imported: number;
            /**
             * Kind
             * @description csv or xlsx
             * @default null
             */
            kind?: string | null;
            /** Mapping */
            mapping?: components["schemas"]["ImportColumnOut"][];
            /**
             * More Errors
             * @description Problems past the first 1,000, counted only
             * @default 0
             */
            more_errors?: number;
            /**
             * Preset
             * @description The export layout recognised or chosen
             * @default null
             */
            preset?: string | null;
            /**
             * Presets
             * @description The layouts to choose from
             */
            presets?: components["schemas"]["ImportPresetOut"][];
            /**
             * Separator
             * @description comma, semicolon or tab, for a CSV
             * @default null
             */
            separator?: string | null;
            /**
             * Skipped
             * @description Lines not imported because they have problems
             */
            skipped: number;
            /**
             * Updated
             * @description Existing leads, matched by e-mail, this file updates
             * @default 0
             */
            updated?: number;
        };
        /** ImportPresetOut */
        ImportPresetOut: {
            /** Label */
            label: string;
            /** Name */
            name: string;
        };
        /** LeadCaptureOut */
        LeadCaptureOut: {
            /** Created */
            created: boolean;
            /** Lead Id */
            lead_id: string;
        };
        /** LeadCreate */
        LeadCreate: {
            /**
             * Company Domain
             * @default null
             */
            company_domain?: string | null;
            /**
             * Company Name
             * @default null
             */
            company_name?: string | null;
            /**
             * Country
             * @default null
             */
            country?: string | null;
            /** Custom Fields */
            custom_fields?: {
                [key: string]: string | boolean | number | null;
            };
            /**
             * Email
             * Format: email
             */
            email: string;
            /**
             * Employees
             * @default null
             */
            employees?: number | null;
            /**
             * First Name
             * @default
             */
            first_name?: string;
            /**
             * Industry
             * @default null
             */
            industry?: string | null;
            /**
             * Language
             * @default en
             */
            language?: string;
            /**
             * Last Name
             * @default
             */
            last_name?: string;
            /**
             * Needs
             * @default null
             */
            needs?: string | null;
            /**
             * Owner Email
             * @default null
             */
            owner_email?: string | null;
            /**
             * Persona
             * @default null
             */
            persona?: string | null;
            /**
             * Phone
             * @default null
             */
            phone?: string | null;
            /**
             * Source
             * @default null
             */
            source?: string | null;
            /**
             * Title
             * @default null
             */
            title?: string | null;
            /** Topics */
            topics?: string[];
        };
        /** LeadPageOut */
        LeadPageOut: {
            /** Items */
            items: components["schemas"]["LeadPublic"][];
            /**
             * Next Cursor
             * @description Pass as ?cursor= for the next page; null on the last page
             */
            next_cursor: string | null;
        };
        /** LeadPublic */
        LeadPublic: {
            /** Company Id */
            company_id: string | null;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /** Custom Fields */
            custom_fields?: {
                [key: string]: unknown;
            };
            /** Email */
            email: string;
            /** Engagement Score */
            engagement_score: number;
            /**
             * First Name
             * @default
             */
            first_name?: string;
            /** First Touch At */
            first_touch_at: string | null;
            /** Fit Score */
            fit_score: number;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /**
             * Language
             * @default en
             */
            language?: string;
            /**
             * Last Name
             * @default
             */
            last_name?: string;
            /** Last Touch At */
            last_touch_at: string | null;
            lifecycle: components["schemas"]["Lifecycle"];
            /** Mql At */
            mql_at: string | null;
            /**
             * Needs
             * @default null
             */
            needs?: string | null;
            /** Owner Id */
            owner_id: string | null;
            /**
             * Persona
             * @default null
             */
            persona?: string | null;
            /**
             * Phone
             * @default null
             */
            phone?: string | null;
            /** Score Explanation */
            score_explanation: {
                [key: string]: unknown;
            }[];
            /**
             * Source
             * @default null
             */
            source?: string | null;
            stage: components["schemas"]["BuyerStage"];
            /** Team Id */
            team_id: string | null;
            /**
             * Title
             * @default null
             */
            title?: string | null;
            /** Topics */
            topics?: string[];
            /** Total Score */
            total_score: number;
            /**
             * Updated At
             * Format: date-time
             */
            updated_at: string;
            /** Version */
            version: number;
        };
        /**
         * LeadUpdate
         * @description Progressive profiling: the fields sent, each held to its column, at the version the caller saw.
         */
        LeadUpdate: {
            /**
             * Custom Fields
             * @default null
             */
            custom_fields?: {
                [key: string]: string | boolean | number | null;
            } | null;
            /**
             * Email
             * @default null
             */
            email?: string | null;
            /**
             * First Name
             * @default null
             */
            first_name?: string | null;
            /**
             * Language
             * @default null
             */
            language?: string | null;
            /**
             * Last Name
             * @default null
             */
            last_name?: string | null;
            /**
             * Needs
             * @default null
             */
            needs?: string | null;
            /**
             * Persona
             * @default null
             */
            persona?: string | null;
            /**
             * Phone
             * @default null
             */
            phone?: string | null;
            /**
             * Source
             * @default null
             */
            source?: string | null;
            /**
             * Title
             * @default null
             */
            title?: string | null;
            /**
             * Topics
             * @default null
             */
            topics?: string[] | null;
            /** Version */
            version: number;
        };
        /**
         * Lifecycle
         * @enum {string}
         */
        Lifecycle: "new" | "mql" | "sal" | "sql" | "opportunity" | "won" | "lost" | "recycled" | "disqualified";
        /** LifecycleIn */
        LifecycleIn: {
            lifecycle: components["schemas"]["Lifecycle"];
            /**
             * Reason
             * @default null
             */
            reason?: string | null;
            /**
             * @description Why: sets how long the lead is nurtured before it may return to sales
             * @default null
             */
            reason_code?: components["schemas"]["RecycleReason"] | null;
            /**
             * Until
             * @description Under contract: when it ends (required). Bad timing or no budget: when to return
             * @default null
             */
            until?: string | null;
            /** Version */
            version: number;
        };
        /** LifecycleItemOut */
        LifecycleItemOut: {
            actor: components["schemas"]["MemberRef"] | null;
            /**
             * At
             * Format: date-time
             */
            at: string;
            /** Automatic */
            automatic: boolean;
            from_value: components["schemas"]["Lifecycle"] | null;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "lifecycle";
            /**
             * Note
             * @description Free text a person wrote with the change
             */
            note: string | null;
            reason: components["schemas"]["ChangeReasonOut"] | null;
            to_value: components["schemas"]["Lifecycle"];
        };
        /** LifecycleMove */
        LifecycleMove: {
            from_value: components["schemas"]["Lifecycle"];
            to_value: components["schemas"]["Lifecycle"];
        };
        /**
         * Light
         * @enum {string}
         */
        Light: "green" | "amber" | "red";
        /** MemberListOut */
        MemberListOut: {
            /** Items */
            items: components["schemas"]["MemberPublic"][];
        };
        /** MemberPublic */
        MemberPublic: {
            /**
             * Active
             * @default true
             */
            active?: boolean;
            /** Away Until */
            away_until: string | null;
            /**
             * Capacity
             * @default 150
             */
            capacity?: number;
            /** Display Name */
            display_name: string;
            /** Email */
            email: string;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /**
             * Locale
             * @default en
             */
            locale?: string;
            /** @default rep */
            role?: components["schemas"]["Role"];
            /**
             * Team Id
             * @default null
             */
            team_id?: string | null;
            /**
             * Time Zone
             * @default UTC
             */
            time_zone?: string;
            /** Work End */
            work_end: string;
            /** Work Start */
            work_start: string;
            /** Workdays */
            workdays?: number[];
        };
        /**
         * MemberRef
         * @description A colleague, by id and display name.
         */
        MemberRef: {
            /** Display Name */
            display_name: string;
            /**
             * Id
             * Format: uuid
             */
            id: string;
        };
        /** MemberUpdate */
        MemberUpdate: {
            /**
             * Active
             * @default null
             */
            active?: boolean | null;
            /**
             * Away Until
             * @description With an offset; at most two years ahead
             * @default null
             */
            away_until?: string | null;
            /**
             * Capacity
             * @default null
             */
            capacity?: number | null;
            /** @default null */
            role?: components["schemas"]["Role"] | null;
            /**
             * Team Id
             * @default null
             */
            team_id?: string | null;
            /**
             * Time Zone
             * @default null
             */
            time_zone?: string | null;
            /**
             * Work End
             * @default null
             */
            work_end?: string | null;
            /**
             * Work Start
             * @default null
             */
            work_start?: string | null;
            /**
             * Workdays
             * @default null
             */
            workdays?: number[] | null;
        };
        /** MeOut */
        MeOut: {
            member: components["schemas"]["MemberPublic"];
            /** Tenant Id */
            tenant_id: string;
        };
        /** MessageItemOut */
        MessageItemOut: {
            /**
             * At
             * Format: date-time
             */
            at: string;
            /** @description inbound: from the lead; outbound: to the lead */
            direction: components["schemas"]["Direction"];
            /** @description What the lead's message changed, if anything */
            effect: components["schemas"]["EffectOut"] | null;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /**
             * Is Lead Reply
             * @description The lead wrote it
             */
            is_lead_reply: boolean;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "message";
            /** Preview */
            preview: string;
            /** Recipients */
            recipients: string[];
            sender: components["schemas"]["Correspondent"];
            source: components["schemas"]["MessageSource"];
            thread: components["schemas"]["ThreadRef"];
            /**
             * Web Link
             * @description Opens the message in Outlook, or the chat in Teams
             */
            web_link: string | null;
        };
        /**
         * MessageSource
         * @description Where a stored conversation message came from.
         * @enum {string}
         */
        MessageSource: "mail" | "chat";
        /** OwnershipChangeOut */
        OwnershipChangeOut: {
            /**
             * Changed At
             * Format: date-time
             */
            changed_at: string;
            /** From Member Id */
            from_member_id: string | null;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /**
             * Lead Id
             * Format: uuid
             */
            lead_id: string;
            /** Method */
            method: string;
            /** To Member Id */
            to_member_id: string | null;
        };
        /** OwnershipItemOut */
        OwnershipItemOut: {
            /**
             * At
             * Format: date-time
             */
            at: string;
            /** @description None: the system (routing, round-robin) */
            changed_by: components["schemas"]["MemberRef"] | null;
            from_owner: components["schemas"]["MemberRef"] | null;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "ownership";
            method: components["schemas"]["AssignmentMethod"];
            /** Note */
            note: string | null;
            to_owner: components["schemas"]["MemberRef"] | null;
        };
        /** PipelineOut */
        PipelineOut: {
            /**
             * Board
             * @description Leads by lifecycle, then buyer stage
             */
            board: {
                [key: string]: {
                    [key: string]: number;
                };
            };
            /** By Lifecycle */
            by_lifecycle: {
                [key: string]: number;
            };
            /** By Stage */
            by_stage: {
                [key: string]: number;
            };
            /**
             * Conversion
             * @description By cohort, e.g. mql->sal: of the leads that became MQL in the range, the share that reached SAL or beyond by the end of the range; null when nobody entered the earlier step
             */
            conversion: {
                [key: string]: number | null;
            };
            /**
             * Dormant
             * @description Open leads resting after long-term silence, until they engage
             * @default 0
             */
            dormant?: number;
            /**
             * Entered
             * @description Distinct leads that entered each lifecycle stage in the range (a lead counts once)
             */
            entered: {
                [key: string]: number;
            };
            /** Hand Offs */
            hand_offs: {
                [key: string]: number;
            };
            /** Median Hours In Stage */
            median_hours_in_stage: {
                [key: string]: number | null;
            };
            /** Median Hours To First Touch */
            median_hours_to_first_touch: number | null;
            /**
             * Open By Owner
             * @description Each rep's load: active follow-ups
             */
            open_by_owner: {
                [key: string]: number;
            };
            /** Overdue By Owner */
            overdue_by_owner: {
                [key: string]: number;
            };
            /**
             * Since
             * Format: date-time
             */
            since: string;
            /** Sla Notices */
            sla_notices: {
                [key: string]: number;
            };
            /**
             * Until
             * Format: date-time
             */
            until: string;
            /**
             * Weekly
             * @description The last 12 weeks up to now, oldest first, whatever the range
             */
            weekly: components["schemas"]["WeekOut"][];
        };
        /** PracticeHealthOut */
        PracticeHealthOut: {
            /** Days */
            days: number;
            /** @description The worst light of any line */
            light: components["schemas"]["Light"];
            /** Lines */
            lines: components["schemas"]["HealthLineOut"][];
            /**
             * Since
             * Format: date-time
             */
            since: string;
            /**
             * Until
             * Format: date-time
             */
            until: string;
        };
        /** ProposeIn */
        ProposeIn: {
            /**
             * Note
             * @default null
             */
            note?: string | null;
            /**
             * Version
             * @default null
             */
            version?: number | null;
        };
        /**
         * ReasonOut
         * @description Why the engine decided something: a stable code, its parameters, and the words for people.
         */
        ReasonOut: {
            /** Code */
            code: string;
            /** Params */
            params?: {
                [key: string]: string | number;
            };
            /**
             * Text
             * @description The reason in words, by language: en and de
             */
            text: {
                [key: string]: string;
            };
        };
        /**
         * RecycleReason
         * @description Why sales sent a lead back (or out): each code decides how long the lead is nurtured first.
         * @enum {string}
         */
        RecycleReason: "no_budget" | "bad_timing" | "no_authority" | "under_contract" | "not_interested" | "no_response" | "not_a_fit";
        /** RejectIn */
        RejectIn: {
            /**
             * Note
             * @description Anything the team should know
             * @default null
             */
            note?: string | null;
            /** @description Why sales rejects: sets the nurture-until date */
            reason_code: components["schemas"]["RecycleReason"];
            /**
             * Until
             * @description Under contract: when it ends (required). Bad timing or no budget: when to return
             * @default null
             */
            until?: string | null;
        };
        /** RescheduleIn */
        RescheduleIn: {
            /**
             * Version
             * @default null
             */
            version?: number | null;
            /**
             * When
             * @description A day (start of the owner's working hours) or an exact time with an offset, from now to two years ahead
             */
            when: string;
        };
        /**
         * Role
         * @enum {string}
         */
        Role: "rep" | "lead" | "manager" | "admin";
        /** RoundRobinIn */
        RoundRobinIn: {
            /** Lead Ids */
            lead_ids: string[];
            /**
             * Team Id
             * Format: uuid
             */
            team_id: string;
        };
        /** RoutingIn */
        RoutingIn: {
            /** Rules */
            rules: components["schemas"]["RoutingRuleIn"][];
        };
        /** RoutingRuleIn */
        RoutingRuleIn: {
            /** Field */
            field: string;
            /**
             * Priority
             * @default 100
             */
            priority?: number;
            /**
             * Team Id
             * Format: uuid
             */
            team_id: string;
            /** Values */
            values: string[];
        };
        /** RowErrorOut */
        RowErrorOut: {
            /** Column */
            column: string | null;
            /**
             * Line
             * @description Physical line in the file; the header is line 1
             */
            line: number;
            /** Message */
            message: string;
        };
        /**
         * RulesIn
         * @description A whole rule set (scoring, thresholds, cadence, sla, recycling or routing_fallback), in the shape
         *     GET /settings returns it.
         */
        RulesIn: {
            /** Document */
            document: {
                [key: string]: unknown;
            };
        };
        /** RulesOut */
        RulesOut: {
            /** Document */
            document: {
                [key: string]: unknown;
            } | null;
            /** Key */
            key: string;
        };
        /** SettingsOut */
        SettingsOut: {
            /** Cadence */
            cadence: {
                [key: string]: unknown;
            };
            /** Content */
            content: {
                [key: string]: unknown;
            }[];
            /** Routing */
            routing: {
                [key: string]: unknown;
            }[];
            /**
             * Routing Fallback
             * @default null
             */
            routing_fallback?: {
                [key: string]: unknown;
            } | null;
            /** Scoring */
            scoring: {
                [key: string]: unknown;
            };
            /** Sla */
            sla: {
                [key: string]: unknown;
            };
            /** Teams */
            teams: {
                [key: string]: unknown;
            }[];
            /** Thresholds */
            thresholds: {
                [key: string]: unknown;
            };
        };
        /** SnoozeIn */
        SnoozeIn: {
            preset: components["schemas"]["SnoozePreset"];
            /**
             * Version
             * @default null
             */
            version?: number | null;
        };
        /**
         * SnoozePreset
         * @enum {string}
         */
        SnoozePreset: "1h" | "tomorrow" | "next_week";
        /** StageIn */
        StageIn: {
            /** Reason */
            reason: string;
            stage: components["schemas"]["BuyerStage"];
            /** Version */
            version: number;
        };
        /** StageItemOut */
        StageItemOut: {
            actor: components["schemas"]["MemberRef"] | null;
            /**
             * At
             * Format: date-time
             */
            at: string;
            /** Automatic */
            automatic: boolean;
            from_value: components["schemas"]["BuyerStage"] | null;
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "stage";
            /**
             * Note
             * @description Free text a person wrote with the change
             */
            note: string | null;
            reason: components["schemas"]["ChangeReasonOut"] | null;
            to_value: components["schemas"]["BuyerStage"];
        };
        /** StageMove */
        StageMove: {
            from_value: components["schemas"]["BuyerStage"];
            to_value: components["schemas"]["BuyerStage"];
        };
        /** StaleOut */
        StaleOut: {
            /** @description The lead as it is now; retry against this version */
            current: components["schemas"]["LeadPublic"];
            /**
             * Error
             * @default stale_version
             */
            error?: string;
        };
        /** TeamBase */
        TeamBase: {
            /** Name */
            name: string;
            /**
             * Pipeline Channel Id
             * @default null
             */
            pipeline_channel_id?: string | null;
            /**
             * Pipeline Schedule
             * @default FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0
             */
            pipeline_schedule?: string | null;
            /**
             * Time Zone
             * @default UTC
             */
            time_zone?: string;
        };
        /** TeamPublic */
        TeamPublic: {
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /** Name */
            name: string;
            /**
             * Pipeline Channel Id
             * @default null
             */
            pipeline_channel_id?: string | null;
            /**
             * Pipeline Schedule
             * @default FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0
             */
            pipeline_schedule?: string | null;
            /**
             * Time Zone
             * @default UTC
             */
            time_zone?: string;
        };
        /**
         * TeamUpdate
         * @description A partial change to a team; only the fields sent are changed.
         */
        TeamUpdate: {
            /**
             * Name
             * @default null
             */
            name?: string | null;
            /**
             * Pipeline Channel Id
             * @default null
             */
            pipeline_channel_id?: string | null;
            /**
             * Pipeline Schedule
             * @default null
             */
            pipeline_schedule?: string | null;
            /**
             * Time Zone
             * @default null
             */
            time_zone?: string | null;
        };
        /** TermOut */
        TermOut: {
            /** Code */
            code: string;
            /** De */
            de: string;
            /** En */
            en: string;
        };
        /** ThreadOut */
        ThreadOut: {
            /**
             * First At
             * Format: date-time
             */
            first_at: string;
            /** Key */
            key: string;
            /**
             * Last At
             * Format: date-time
             */
            last_at: string;
            /** Last Preview */
            last_preview: string;
            /**
             * Lead Messages
             * @description How many of them the lead wrote
             */
            lead_messages: number;
            /** Messages */
            messages: number;
            /** Participants */
            participants: string[];
            source: components["schemas"]["MessageSource"];
            /**
             * Title
             * @description The title of the thread's first message
             */
            title: string | null;
            /**
             * Web Link
             * @description The newest message's link
             */
            web_link: string | null;
        };
        /** ThreadRef */
        ThreadRef: {
            /**
             * Key
             * @description Mail: Graph's conversationId; chat: the chat id
             */
            key: string;
            /**
             * Participants
             * @description Display names of the people in the thread
             */
            participants: string[];
            /**
             * Title
             * @description Mail: the subject; chat: a group chat's topic (none for 1:1)
             */
            title: string | null;
        };
        /**
         * ThreadsOut
         * @description The lead's mail and chat threads, the most recently active first.
         */
        ThreadsOut: {
            /** Items */
            items: components["schemas"]["ThreadOut"][];
        };
        /**
         * TimelineOut
         * @description A page of the lead's history, newest first (?filter=all|mail|chat|activity, ?thread=<key>,
         *     ?cursor=, ?limit=1..100). Messages name their thread; ``GET .../threads`` lists the threads.
         */
        TimelineOut: {
            history: components["schemas"]["HistoryStateOut"];
            /** Items */
            items: (components["schemas"]["MessageItemOut"] | components["schemas"]["EventItemOut"] | components["schemas"]["TouchpointItemOut"] | components["schemas"]["StageItemOut"] | components["schemas"]["LifecycleItemOut"] | components["schemas"]["OwnershipItemOut"])[];
            /** Next Cursor */
            next_cursor: string | null;
        };
        /** TouchpointIn */
        TouchpointIn: {
            /**
             * Inbound
             * @description True when the lead reached out (a reply); it pulls the cadence forward
             * @default false
             */
            inbound?: boolean;
            kind: components["schemas"]["TouchpointKind"];
            /** Summary */
            summary: string;
            /**
             * Version
             * @default null
             */
            version?: number | null;
        };
        /** TouchpointItemOut */
        TouchpointItemOut: {
            /**
             * At
             * Format: date-time
             */
            at: string;
            channel: components["schemas"]["TouchpointKind"];
            /** Content Key */
            content_key: string | null;
            /** Content Title */
            content_title: string | null;
            direction: components["schemas"]["Direction"];
            /**
             * Id
             * Format: uuid
             */
            id: string;
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            kind: "touchpoint";
            /** @description Who logged it; none for the system */
            member: components["schemas"]["MemberRef"] | null;
            /**
             * Summary
             * @description The rep's own note, as written
             */
            summary: string | null;
        };
        /**
         * TouchpointKind
         * @enum {string}
         */
        TouchpointKind: "call" | "mail" | "meeting" | "chat";
        /** TouchpointOut */
        TouchpointOut: {
            /**
             * Id
             * Format: uuid
             */
            id: string;
            kind: components["schemas"]["TouchpointKind"];
            /**
             * Lead Id
             * Format: uuid
             */
            lead_id: string;
            /**
             * Occurred At
             * Format: date-time
             */
            occurred_at: string;
            /** Summary */
            summary: string | null;
        };
        /** VocabularyOut */
        VocabularyOut: {
            /**
             * Capabilities
             * @description The operationIds of the OpenAPI document that the caller's role may call at all
             */
            capabilities: string[];
            /**
             * Content
             * @description The tenant's content library: what a content key names
             */
            content: components["schemas"]["ContentTitleOut"][];
            /**
             * Groups
             * @description Each group's codes in reading order, with their English and German words (stage, lifecycle, outcome, follow_up_kind, event_kind, role, settings_section, ...)
             */
            groups: {
                [key: string]: components["schemas"]["TermOut"][];
            };
        };
        /** WeekOut */
        WeekOut: {
            /**
             * Hand Offs
             * @description Hand-offs proposed in the week
             */
            hand_offs: number;
            /**
             * Mqls
             * @description Leads that became MQL in the week
             */
            mqls: number;
            /**
             * Week
             * Format: date
             * @description The Monday (UTC) the week starts on
             */
            week: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    bulk_assign: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BulkAssignIn"];
            };
        };
        responses: {
            /** @description Assign many leads to one member, all or nothing */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AssignmentsOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    round_robin: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RoundRobinIn"];
            };
        };
        responses: {
            /** @description Spread leads over a team by free capacity */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AssignmentsOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    get_delivery_problems: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Notifications the bot could not deliver, with the reason (e.g. app not installed) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryProblemListOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    get_follow_ups: {
        parameters: {
            query?: {
                lead?: string;
                scope?: "mine" | "team" | "lead";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Active follow-ups: ?scope=mine or team; or all of one lead: ?scope=lead&lead=<id> */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FollowUpListOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    complete_follow_up: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CompleteIn"];
            };
        };
        responses: {
            /** @description Done, with an outcome */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FollowUpOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The lead changed since the caller read it, or its state does not allow this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StaleOut"] | components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    reschedule_follow_up: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RescheduleIn"];
            };
        };
        responses: {
            /** @description Move to a day or time */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FollowUpOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The lead changed since the caller read it, or its state does not allow this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StaleOut"] | components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    snooze_follow_up: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SnoozeIn"];
            };
        };
        responses: {
            /** @description Snooze 1 h, to tomorrow or next week */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FollowUpOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The lead changed since the caller read it, or its state does not allow this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StaleOut"] | components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    get_hand_offs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Hand-offs waiting for a decision */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HandOffListOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    accept_hand_off: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Accept: the lead becomes SAL */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HandOffOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    reject_hand_off: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RejectIn"];
            };
        };
        responses: {
            /** @description Reject with a reason: the lead is recycled */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HandOffOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    get_practice_health: {
        parameters: {
            query?: {
                days?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The practice health check: each nurturing rule measured on the live data, with a traffic light and the leads behind it (?days= the period, default 90, at most 730) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PracticeHealthOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    get_leads: {
        parameters: {
            query?: {
                cursor?: string;
                lifecycle?: "new" | "mql" | "sal" | "sql" | "opportunity" | "won" | "lost" | "recycled" | "disqualified";
                limit?: number;
                owner?: string;
                q?: string;
                sort?: "-total_score" | "-created_at" | "created_at";
                stage?: "awareness" | "evaluation" | "decision";
                team?: string;
                unassigned?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Leads the caller may see: filter, search, sort, cursor paging */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LeadPageOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    create_lead: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LeadCreate"];
            };
        };
        responses: {
            /** @description Capture a lead (routed and scored) */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LeadPublic"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    get_lead: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One lead */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LeadPublic"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    update_lead: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LeadUpdate"];
            };
        };
        responses: {
            /** @description Progressive profiling; carries the version (409 if stale) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LeadPublic"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The lead changed since the caller read it, or its state does not allow this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StaleOut"] | components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    post_hand_off: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ProposeIn"];
            };
        };
        responses: {
            /** @description Propose a hand-off to sales */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HandOffOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The lead changed since the caller read it, or its state does not allow this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StaleOut"] | components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    sync_history: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Pull the caller's mail with this lead from Microsoft Graph, if the last pull is stale */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HistorySyncOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    put_lifecycle: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LifecycleIn"];
            };
        };
        responses: {
            /** @description Move the lifecycle: SQL, opportunity, won, or (with a reason) lost, disqualified, recycled */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LeadPublic"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The lead changed since the caller read it, or its state does not allow this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StaleOut"] | components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    assign_owner: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AssignIn"];
            };
        };
        responses: {
            /** @description Assign one lead */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AssignmentsOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The lead changed since the caller read it, or its state does not allow this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StaleOut"] | components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    put_stage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["StageIn"];
            };
        };
        responses: {
            /** @description Override the buyer stage, with a reason */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LeadPublic"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The lead changed since the caller read it, or its state does not allow this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StaleOut"] | components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    get_threads: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The lead's mail and chat threads, the most recently active first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ThreadsOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    get_timeline: {
        parameters: {
            query?: {
                cursor?: string;
                filter?: "all" | "mail" | "chat" | "activity";
                limit?: number;
                thread?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Messages, touches, events, stage, lifecycle and owner changes, newest first, cursor paged (?filter=all|mail|chat|activity, ?thread=<key>) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TimelineOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    post_touchpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TouchpointIn"];
            };
        };
        responses: {
            /** @description Log a call, mail, meeting or chat */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TouchpointOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The lead changed since the caller read it, or its state does not allow this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StaleOut"] | components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    erase_lead_route: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EraseIn"];
            };
        };
        responses: {
            /** @description Erase a lead and everything about them (GDPR); nothing that names the address is left */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EraseOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    export_leads: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description All leads as CSV, streamed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    import_leads: {
        parameters: {
            query?: {
                skip_invalid?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Lead import from a CSV (UTF-8, UTF-16 or Windows-1252; comma, semicolon or tab) or an .xlsx, sent as the body. HubSpot, Dynamics 365, Salesforce and Pipedrive exports are recognised (?preset= forces one); ?map=Source column=field (repeatable) maps a column; ?keep_unmapped=true keeps the other columns as custom fields. Existing leads are updated by e-mail. ?dry_run=true checks and writes nothing. Nothing is written if any line is bad, unless ?skip_invalid=true */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImportOut"];
                };
            };
            /** @description Rejected: the problems, line by line */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImportOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The signed-in member */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MeOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    get_members: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Everyone in the tenant (the member picker) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MemberListOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    patch_member: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MemberUpdate"];
            };
        };
        responses: {
            /** @description Role, team, capacity, availability, working hours */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MemberPublic"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The lead changed since the caller read it, or its state does not allow this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StaleOut"] | components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    get_pipeline: {
        parameters: {
            query?: {
                owner?: string;
                since?: string;
                team?: string;
                until?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Funnel counts, conversions, time in stage, time to first touch, hand-offs, SLA and overdue per rep (?since=&until= ISO dates, default the last 30 days; ?team= or ?owner=) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PipelineOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    get_settings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Rules in force, content library, routing and teams */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SettingsOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    get_keys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tenant's webhook keys, without secrets */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyListOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    create_key: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ApiKeyIn"];
            };
        };
        responses: {
            /** @description Create a webhook key; its text is shown once */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyCreatedOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    revoke_key: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoke a webhook key */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyPublic"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    put_content: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ContentIn"];
            };
        };
        responses: {
            /** @description Replace the content library */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CountOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    put_routing: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RoutingIn"];
            };
        };
        responses: {
            /** @description Replace the routing rules */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CountOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    put_rules: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key: "cadence" | "recycling" | "routing_fallback" | "scoring" | "sla" | "thresholds";
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RulesIn"];
            };
        };
        responses: {
            /** @description Replace one rule set: scoring, thresholds, cadence, sla, recycling or routing_fallback (validated by the engine's own types) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RulesOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    post_team: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TeamBase"];
            };
        };
        responses: {
            /** @description Create a team */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeamPublic"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    patch_team: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TeamUpdate"];
            };
        };
        responses: {
            /** @description Change a team: name, time zone, the channel and schedule of its pipeline card */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeamPublic"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description The lead changed since the caller read it, or its state does not allow this */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StaleOut"] | components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    get_vocabulary: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Words for codes */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["VocabularyOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    receive_events: {
        parameters: {
            query?: never;
            header?: {
                Prefer?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EventBatchIn"];
            };
        };
        responses: {
            /** @description Engagement events from marketing tools, up to 1,000 per call, idempotent by external_id */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventBatchOut"];
                };
            };
            /** @description Stored, not yet applied to their leads (Prefer: respond-async); the same counts */
            202: {
                headers: {
                    "Preference-Applied"?: "respond-async";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventBatchOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
    capture_lead: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LeadCreate"];
            };
        };
        responses: {
            /** @description Lead capture from a form */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LeadCaptureOut"];
                };
            };
            /** @description Malformed or invalid input; the details name the field at fault */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description No valid Teams SSO token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not a member, or the role may not do this */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Not found in this tenant (or not visible to the caller) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
            /** @description Well-formed, but a nurturing rule refuses it (an invalid lifecycle move, say) */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorOut"];
                };
            };
        };
    };
}
