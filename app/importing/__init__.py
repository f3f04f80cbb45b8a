"""Reading lead files as spreadsheets and CRMs write them: pure, no database and no clock.

``reading`` turns a CSV (any of the encodings and separators Excel writes) or an ``.xlsx`` into rows;
``presets`` knows the export layouts of HubSpot, Dynamics 365, Salesforce and Pipedrive; ``mapping``
decides which column fills which field; ``values`` turns vendor values (country names, employee ranges,
lifecycle labels) into ours; ``validator`` checks one row. ``app.services.lead_import`` writes.
"""
