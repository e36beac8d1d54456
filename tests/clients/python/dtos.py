""" Options:
Written by hand in the shape ServiceStack's "Add ServiceStack Reference" (Python, `/types/python`) generates for
Evo Voice's customer operations and Canopy's routes (docs/contract.md §6-§9). Only the members the conformance
suite needs beyond the request DTOs are declared on the response types.
"""

import datetime
import decimal
from marshmallow.fields import *
from servicestack import *
from typing import *
from dataclasses import dataclass, field
from dataclasses_json import dataclass_json, LetterCase, Undefined, config
from enum import Enum, IntEnum


class SortOrders(str, Enum):
    ASCEND = 'Ascend'
    DESCEND = 'Descend'


class TagColors(str, Enum):
    MAGENTA = 'Magenta'
    RED = 'Red'
    VOLCANO = 'Volcano'
    ORANGE = 'Orange'
    GOLD = 'Gold'
    LIME = 'Lime'
    GREEN = 'Green'
    CYAN = 'Cyan'
    BLUE = 'Blue'
    GEEK_BLUE = 'GeekBlue'
    PURPLE = 'Purple'


class ValueTypes(str, Enum):
    NOT_SPECIFIED = 'NotSpecified'
    STRING = 'String'
    BOOLEAN = 'Boolean'
    NUMBER = 'Number'
    LIST = 'List'
    STRUCT = 'Struct'
    DATE = 'Date'
    TIME_ZONE_ID = 'TimeZoneId'
    PHONE_NUMBER = 'PhoneNumber'
    TIME = 'Time'


@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class Value:
    bool_value: Optional[bool] = None
    string_value: Optional[str] = None
    number_value: Optional[float] = None
    list_value: Optional[List[Dict[str, 'Value']]] = None
    struct_value: Optional[Dict[str, 'Value']] = None


# Evo's Struct is a Dictionary<string, Value>
Struct = Dict[str, Value]


@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class Tag:
    id: Optional[str] = None
    name: Optional[str] = None
    color: Optional[TagColors] = None


@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class CustomerBreadcrumb:
    id: Optional[str] = None
    name: Optional[str] = None


@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class CustomerDataField:
    id: Optional[str] = None
    name: Optional[str] = None
    type: Optional[ValueTypes] = None
    description: Optional[str] = None
    possible_values: Optional[List[str]] = None


@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class BillingItem:
    base_cost: float = 0.0
    raw_unit_multiplier: float = 0.0
    unit_cost: float = 0.0
    allowance: int = 0


@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class EntityInfo:
    id: Optional[str] = None
    date_created: Optional[str] = None
    date_last_modified: Optional[str] = None
    created_by: Optional[str] = None
    last_modified_by: Optional[str] = None


@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class CustomerInfo(EntityInfo):
    account_id: Optional[str] = None
    account_name: Optional[str] = None
    parent_customer_id: Optional[str] = None
    breadcrumb: Optional[List[CustomerBreadcrumb]] = None
    is_staging: bool = False
    name: Optional[str] = None
    reference_id: Optional[str] = None
    data: Optional[Struct] = None
    tags: Optional[List[Tag]] = None
    override_billing_settings: bool = False
    override_app_settings: bool = False


@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class AccountInfo(EntityInfo):
    name: Optional[str] = None
    parent_account_id: Optional[str] = None
    ancestor_ids: Optional[List[str]] = None


T = TypeVar('T')


@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class ListResponse(Generic[T]):
    items: Optional[List[T]] = None
    total_count: Optional[int] = None
    total_pages: Optional[int] = None
    has_more_pages: bool = False
    response_status: Optional[ResponseStatus] = None


@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class ListRequest(Generic[T]):
    # The page of data to retrieve, 0 based
    page: Optional[int] = None
    # If you want all objects to be returned. This should be used with care
    all: Optional[bool] = None
    # The number per page to retrieve
    count_per_page: Optional[int] = None
    # Specific IDs
    specific_ids: Optional[List[str]] = None
    # Specify a sort field
    sort_field: Optional[str] = None
    # Specify a sort order
    sort_order: Optional[SortOrders] = None
    # Disables total / page counts - improves performance. Returns only data.
    simplified_paging: Optional[bool] = None


@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class SystemSettingsInfo:
    account_id: Optional[str] = None
    tags: Optional[List[Tag]] = None
    customer_fields: Optional[List[CustomerDataField]] = None


# @Route("/customers", "GET")
@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class ListCustomers(ListRequest[CustomerInfo], IReturn[ListResponse[CustomerInfo]], IGet):
    # The IDs of the account whose customers you want to retrieve
    account_ids: Optional[List[str]] = None
    # The filter to use
    name_filter: Optional[str] = None
    # Parent customer IDs: all their descendants
    parent_customer_ids: Optional[List[str]] = None
    # Only the direct children of parentCustomerIds
    shallow_parent: Optional[bool] = None
    # Customers carrying every one of these tags
    tag_ids: Optional[List[str]] = None
    # Exact third-party reference ids (Canopy)
    reference_ids: Optional[List[str]] = None


# @Route("/customers/{customerId}", "GET")
@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class GetCustomer(IReturn[CustomerInfo], IGet):
    customer_id: Optional[str] = None


# @Route("/customers", "POST")
@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class NewCustomer(IReturn[CustomerInfo], IPost):
    account_id: Optional[str] = None
    name: Optional[str] = None
    parent_customer_id: Optional[str] = None
    reference_id: Optional[str] = None
    data: Optional[Struct] = None
    tag_ids: Optional[List[str]] = None


# @Route("/customers/{customerId}", "PATCH")
@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class PatchCustomer(IReturn[CustomerInfo], IPatch):
    customer_id: Optional[str] = None
    name: Optional[str] = None
    parent_customer_id: Optional[str] = None
    reference_id: Optional[str] = None
    data: Optional[Struct] = None
    tag_ids: Optional[List[str]] = None
    override_billing_settings: Optional[bool] = None
    override_app_settings: Optional[bool] = None


# @Route("/customers/{customerId}", "DELETE")
@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class DeleteCustomer(IReturnVoid, IDelete):
    customer_id: Optional[str] = None


# @Route("/customers/{customerId}/staging", "POST")
@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class SetCustomerStagingMode(IReturn[CustomerInfo], IPost):
    customer_id: Optional[str] = None
    is_staging: bool = False


# @Route("/accounts", "POST")
@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class NewAccount(IReturn[AccountInfo], IPost):
    name: Optional[str] = None
    parent_account_id: Optional[str] = None


# @Route("/system/settings", "PATCH")
@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)
@dataclass
class PatchSystemSettings(IReturn[SystemSettingsInfo], IPatch):
    account_id: Optional[str] = None
    tags: Optional[List[Tag]] = None
    customer_fields: Optional[List[CustomerDataField]] = None
