"""The export layouts of the CRMs teams come from, recognised by their header.

Each preset names the columns of one vendor's export and what their values mean in Nurture. The column
labels below are the vendors' documented field labels (sources in each preset's comment); matching
ignores case, accents and punctuation, so "Country/Region" and "country region" are the same column.
Columns a preset does not list are ignored, or kept as custom fields with ``keep_unmapped``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.importing.values import fold
from app.nurturing.enums import Lifecycle


@dataclass(frozen=True, slots=True)
class Preset:
    """One vendor's export: header label -> our field, lifecycle label -> our lifecycle."""

    name: str
    label: str
    columns: dict[str, str]
    lifecycles: dict[str, Lifecycle] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()
    """Columns the export always has that we deliberately do not read; they help recognise it."""

    def target(self, header: str) -> str | None:
        """Our field for this header, "ignore" for a known column we skip, else None."""
        key = fold(header)
        for label, target in self.columns.items():
            if fold(label) == key:
                return target
        if any(fold(label) == key for label in self.ignored):
            return "ignore"
        return None

    def lifecycle(self, value: str) -> Lifecycle | None:
        """Our lifecycle for one of this vendor's labels or internal values."""
        key = fold(value)
        for label, lifecycle in self.lifecycles.items():
            if fold(label) == key:
                return lifecycle
        return None


# HubSpot contacts. The issue quotes a real contacts export header ("Record ID", "First Name", "Last
# Name", "Email", "Job Title", "Company Name", "Country/Region", "Industry", "Lifecycle Stage",
# "Contact owner"); exports carry property labels, or internal names when asked for them
# (developers.hubspot.com/docs/api/crm/exports: exports come as CSV, XLSX or XLS, in a chosen language).
# Lifecycle Stage's default options are Subscriber, Lead, Marketing Qualified Lead, Sales Qualified Lead,
# Opportunity, Customer, Evangelist and Other, with the internal values subscriber, lead,
# marketingqualifiedlead, salesqualifiedlead, opportunity, customer, evangelist and other.
HUBSPOT = Preset(
    name="hubspot",
    label="HubSpot contacts",
    columns={
        "Email": "email",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Job Title": "title",
        "Phone Number": "phone",
        "Mobile Phone Number": "phone",
        "Company Name": "company",
        "Website URL": "company_domain",
        "Company Domain Name": "company_domain",
        "Country/Region": "country",
        "Industry": "industry",
        "Number of Employees": "employees",
        "Lifecycle Stage": "lifecycle",
        "Contact owner": "owner",
        "Original Source": "source",
        "Original Traffic Source": "source",
        "Preferred language": "language",
        "Unsubscribed from all email": "unsubscribed",
        # internal property names, for exports made with internal names
        "email": "email",
        "firstname": "first_name",
        "lastname": "last_name",
        "jobtitle": "title",
        "company": "company",
        "lifecyclestage": "lifecycle",
        "hubspot_owner_id": "ignore",
    },
    lifecycles={
        "Subscriber": Lifecycle.NEW,
        "Lead": Lifecycle.NEW,
        "Marketing Qualified Lead": Lifecycle.MQL,
        "marketingqualifiedlead": Lifecycle.MQL,
        "Sales Qualified Lead": Lifecycle.SQL,
        "salesqualifiedlead": Lifecycle.SQL,
        "Opportunity": Lifecycle.OPPORTUNITY,
        "Customer": Lifecycle.WON,
        "Evangelist": Lifecycle.WON,
        # "Other" is HubSpot's catch-all: the contact is not in the funnel, so it starts as new here.
        "Other": Lifecycle.NEW,
    },
    ignored=("Record ID", "Create Date", "Last Activity Date", "Lead Status", "Associated Company"),
)

# Dynamics 365 Sales leads, a view exported to Excel. The Lead table's columns (Microsoft Learn, "Lead
# table/entity reference", learn.microsoft.com/dynamics365/sales/developer/entities/lead) include
# subject (Topic), firstname, lastname, jobtitle, emailaddress1 (Email), telephone1 (Business Phone),
# mobilephone, companyname, websiteurl, address1_country, industrycode, numberofemployees (No. of
# Employees), leadsourcecode (Lead Source), ownerid (Owner), statecode (Status) and statuscode (Status
# Reason). Status Reason's default values are New and Contacted (Open), Qualified (Qualified), and Lost,
# Cannot Contact, No Longer Interested and Canceled (Disqualified). An Excel export begins with the hidden
# "(Do Not Modify)" columns that let Dynamics re-import the sheet.
DYNAMICS = Preset(
    name="dynamics",
    label="Dynamics 365 Sales leads",
    columns={
        "Email": "email",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Job Title": "title",
        "Business Phone": "phone",
        "Mobile Phone": "phone",
        "Company Name": "company",
        "Website": "company_domain",
        "Country/Region": "country",
        "Industry": "industry",
        "No. of Employees": "employees",
        "Lead Source": "source",
        "Status Reason": "lifecycle",
        "Owner": "owner",
        "Description": "needs",
    },
    lifecycles={
        "New": Lifecycle.NEW,
        "Contacted": Lifecycle.SAL,
        "Qualified": Lifecycle.SQL,
        "Lost": Lifecycle.LOST,
        "Cannot Contact": Lifecycle.DISQUALIFIED,
        "No Longer Interested": Lifecycle.DISQUALIFIED,
        "Canceled": Lifecycle.DISQUALIFIED,
    },
    ignored=(
        "(Do Not Modify) Lead",
        "(Do Not Modify) Row Checksum",
        "(Do Not Modify) Modified On",
        "Topic",
        "Name",
        "Status",
        "Created On",
        "Rating",
    ),
)

# Salesforce leads report, exported as "Details Only" CSV. The Lead object's field labels (Salesforce
# field reference, "Lead": developer.salesforce.com/docs/atlas.en-us.sfFieldRef.meta) include First Name,
# Last Name, Title, Company, Email, Phone, Mobile Phone, Website, Country, Industry, Lead Source, Lead
# Status, Email Opt Out and No. of Employees; a report adds Lead Owner and calls the company "Company /
# Account". Lead Status's default picklist is Open - Not Contacted, Working - Contacted, Closed -
# Converted and Closed - Not Converted.
SALESFORCE = Preset(
    name="salesforce",
    label="Salesforce leads report",
    columns={
        "Email": "email",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Title": "title",
        "Phone": "phone",
        "Mobile Phone": "phone",
        "Company / Account": "company",
        "Company": "company",
        "Website": "company_domain",
        "Country": "country",
        "Industry": "industry",
        "No. of Employees": "employees",
        "Lead Source": "source",
        "Lead Status": "lifecycle",
        "Lead Owner": "owner",
        "Email Opt Out": "unsubscribed",
        "Description": "needs",
    },
    lifecycles={
        "Open - Not Contacted": Lifecycle.NEW,
        "Working - Contacted": Lifecycle.SAL,
        "Closed - Converted": Lifecycle.SQL,
        "Closed - Not Converted": Lifecycle.DISQUALIFIED,
    },
    ignored=("Lead ID", "Salutation", "Rating", "Created Date", "Last Activity", "Street", "City", "State"),
)

# Pipedrive people. Pipedrive's exports prefix each column with the entity ("Person - Name", "Person -
# Email", "Organization - Name"); a person has a name, first and last name, e-mail, phone, organization,
# owner and label (support.pipedrive.com, "Contacts: People and Organizations"; the import guide lists the
# same "Person - ..." fields). Pipedrive people have no lifecycle stage.
PIPEDRIVE = Preset(
    name="pipedrive",
    label="Pipedrive people",
    columns={
        "Person - Email": "email",
        "Person - Email - Work": "email",
        "Person - First name": "first_name",
        "Person - Last name": "last_name",
        "Person - Job title": "title",
        "Person - Phone": "phone",
        "Person - Phone - Work": "phone",
        "Person - Organization": "company",
        "Organization - Name": "company",
        "Person - Owner": "owner",
        "Organization - Address - Country": "country",
        "Organization - Country": "country",
        "Organization - Industry": "industry",
        "Organization - Number of employees": "employees",
    },
    ignored=("Person - ID", "Person - Name", "Person - Label", "Person - Visible to", "Person - Add time"),
)

PRESETS: dict[str, Preset] = {preset.name: preset for preset in (HUBSPOT, DYNAMICS, SALESFORCE, PIPEDRIVE)}
_MIN_KNOWN = 3  # columns a header must share with a preset (one of them the e-mail) to be taken for it


def detect(header: list[str]) -> Preset | None:
    """The preset whose columns this header uses most, if it names the e-mail and enough others."""
    best: Preset | None = None
    best_score = 0
    for preset in PRESETS.values():
        targets = [preset.target(cell) for cell in header]
        known = sum(target is not None for target in targets)
        if "email" in targets and known >= _MIN_KNOWN and known > best_score:
            best, best_score = preset, known
    return best
