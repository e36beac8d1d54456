/* Options:
Written by hand in the shape ServiceStack's "Add ServiceStack Reference" (TypeScript, `/types/typescript`)
generates for Evo Voice's customer operations and Canopy's routes (docs/contract.md §6-§9). Only the members
the conformance suite needs beyond the request DTOs are declared on the response types.
*/

export interface IReturn<T> {
    createResponse(): T;
}

export interface IReturnVoid {
    createResponse(): void;
}

export interface IGet {}
export interface IPost {}
export interface IPatch {}
export interface IDelete {}

export class ResponseError {
    public errorCode?: string;
    public fieldName?: string;
    public message?: string;
    public meta?: { [index: string]: string };

    public constructor(init?: Partial<ResponseError>) { (Object as any).assign(this, init); }
}

export class ResponseStatus {
    public errorCode?: string;
    public message?: string;
    public stackTrace?: string;
    public errors?: ResponseError[];
    public meta?: { [index: string]: string };

    public constructor(init?: Partial<ResponseStatus>) { (Object as any).assign(this, init); }
}

export enum SortOrders {
    Ascend = 'Ascend',
    Descend = 'Descend',
}

export enum TagColors {
    Magenta = 'Magenta',
    Red = 'Red',
    Volcano = 'Volcano',
    Orange = 'Orange',
    Gold = 'Gold',
    Lime = 'Lime',
    Green = 'Green',
    Cyan = 'Cyan',
    Blue = 'Blue',
    GeekBlue = 'GeekBlue',
    Purple = 'Purple',
}

export enum ValueTypes {
    NotSpecified = 'NotSpecified',
    String = 'String',
    Boolean = 'Boolean',
    Number = 'Number',
    List = 'List',
    Struct = 'Struct',
    Date = 'Date',
    TimeZoneId = 'TimeZoneId',
    PhoneNumber = 'PhoneNumber',
    Time = 'Time',
}

export class Struct {
    [key: string]: Value;

    public constructor(init?: Partial<Struct>) { (Object as any).assign(this, init); }
}

export class Value {
    public boolValue?: boolean;
    public stringValue?: string;
    public numberValue?: number;
    public listValue?: Struct[];
    public structValue?: Struct;

    public constructor(init?: Partial<Value>) { (Object as any).assign(this, init); }
}

export class Tag {
    public id?: string;
    public name?: string;
    public color?: TagColors;

    public constructor(init?: Partial<Tag>) { (Object as any).assign(this, init); }
}

export class CustomerBreadcrumb {
    public id?: string;
    public name?: string;

    public constructor(init?: Partial<CustomerBreadcrumb>) { (Object as any).assign(this, init); }
}

export class CustomerDataField {
    public id?: string;
    public name?: string;
    public type?: ValueTypes;
    public description?: string;
    public possibleValues?: string[];

    public constructor(init?: Partial<CustomerDataField>) { (Object as any).assign(this, init); }
}

export class BillingItem {
    public baseCost?: number;
    public rawUnitMultiplier?: number;
    public unitCost?: number;
    public allowance?: number;

    public constructor(init?: Partial<BillingItem>) { (Object as any).assign(this, init); }
}

export class BillingSettings {
    public base?: BillingItem;
    public localNumbers?: BillingItem;
    public tollFreeNumbers?: BillingItem;
    public inboundVoiceCalls?: BillingItem;
    public outboundVoiceCalls?: BillingItem;

    public constructor(init?: Partial<BillingSettings>) { (Object as any).assign(this, init); }
}

export class EntityInfo {
    public id?: string;
    public dateCreated?: string;
    public dateLastModified?: string;
    public createdBy?: string;
    public lastModifiedBy?: string;

    public constructor(init?: Partial<EntityInfo>) { (Object as any).assign(this, init); }
}

export class CustomerInfo extends EntityInfo {
    public accountId?: string;
    public accountName?: string;
    public parentCustomerId?: string;
    public breadcrumb?: CustomerBreadcrumb[];
    public isStaging?: boolean;
    public name?: string;
    public referenceId?: string;
    public data?: Struct;
    public tags?: Tag[];
    public overrideBillingSettings?: boolean;
    public billingSettings?: BillingSettings;
    public overrideAppSettings?: boolean;

    public constructor(init?: Partial<CustomerInfo>) { super(init); (Object as any).assign(this, init); }
}

export class AccountInfo extends EntityInfo {
    public name?: string;
    public parentAccountId?: string;
    public ancestorIds?: string[];
    public billingSettings?: BillingSettings;

    public constructor(init?: Partial<AccountInfo>) { super(init); (Object as any).assign(this, init); }
}

export class ListResponse<T> {
    public items?: T[];
    public totalCount?: number;
    public totalPages?: number;
    public hasMorePages?: boolean;
    public responseStatus?: ResponseStatus;

    public constructor(init?: Partial<ListResponse<T>>) { (Object as any).assign(this, init); }
}

export class ListRequest<T> {
    /** The page of data to retrieve, 0 based */
    public page?: number;
    /** If you want all objects to be returned. This should be used with care */
    public all?: boolean;
    /** The number per page to retrieve */
    public countPerPage?: number;
    /** Specific IDs */
    public specificIds?: string[];
    /** Specify a sort field */
    public sortField?: string;
    /** Specify a sort order */
    public sortOrder?: SortOrders;
    /** Disables total / page counts - improves performance. Returns only data. */
    public simplifiedPaging?: boolean;

    public constructor(init?: Partial<ListRequest<T>>) { (Object as any).assign(this, init); }
}

export class SystemSettingsInfo {
    public accountId?: string;
    public tags?: Tag[];
    public customerFields?: CustomerDataField[];

    public constructor(init?: Partial<SystemSettingsInfo>) { (Object as any).assign(this, init); }
}

// @Route("/customers", "GET")
export class ListCustomers extends ListRequest<CustomerInfo> implements IReturn<ListResponse<CustomerInfo>>, IGet {
    /** The IDs of the account whose customers you want to retrieve */
    public accountIds?: string[];
    /** The filter to use */
    public nameFilter?: string;
    /** Parent customer IDs: all their descendants */
    public parentCustomerIds?: string[];
    /** Only the direct children of parentCustomerIds */
    public shallowParent?: boolean;
    /** Customers carrying every one of these tags */
    public tagIds?: string[];
    /** Exact third-party reference ids (Canopy) */
    public referenceIds?: string[];

    public constructor(init?: Partial<ListCustomers>) { super(init); (Object as any).assign(this, init); }
    public getTypeName() { return 'ListCustomers'; }
    public getMethod() { return 'GET'; }
    public createResponse() { return new ListResponse<CustomerInfo>(); }
}

// @Route("/customers/{customerId}", "GET")
export class GetCustomer implements IReturn<CustomerInfo>, IGet {
    public customerId?: string;

    public constructor(init?: Partial<GetCustomer>) { (Object as any).assign(this, init); }
    public getTypeName() { return 'GetCustomer'; }
    public getMethod() { return 'GET'; }
    public createResponse() { return new CustomerInfo(); }
}

// @Route("/customers", "POST")
export class NewCustomer implements IReturn<CustomerInfo>, IPost {
    public accountId?: string;
    public name?: string;
    public parentCustomerId?: string;
    public referenceId?: string;
    public data?: Struct;
    public tagIds?: string[];

    public constructor(init?: Partial<NewCustomer>) { (Object as any).assign(this, init); }
    public getTypeName() { return 'NewCustomer'; }
    public getMethod() { return 'POST'; }
    public createResponse() { return new CustomerInfo(); }
}

// @Route("/customers/{customerId}", "PATCH")
export class PatchCustomer implements IReturn<CustomerInfo>, IPatch {
    public customerId?: string;
    public name?: string;
    public parentCustomerId?: string;
    public referenceId?: string;
    public data?: Struct;
    public tagIds?: string[];
    public overrideBillingSettings?: boolean;
    public billingSettings?: BillingSettings;
    public overrideAppSettings?: boolean;

    public constructor(init?: Partial<PatchCustomer>) { (Object as any).assign(this, init); }
    public getTypeName() { return 'PatchCustomer'; }
    public getMethod() { return 'PATCH'; }
    public createResponse() { return new CustomerInfo(); }
}

// @Route("/customers/{customerId}", "DELETE")
export class DeleteCustomer implements IReturnVoid, IDelete {
    public customerId?: string;

    public constructor(init?: Partial<DeleteCustomer>) { (Object as any).assign(this, init); }
    public getTypeName() { return 'DeleteCustomer'; }
    public getMethod() { return 'DELETE'; }
    public createResponse() {}
}

// @Route("/customers/{customerId}/staging", "POST")
export class SetCustomerStagingMode implements IReturn<CustomerInfo>, IPost {
    public customerId?: string;
    public isStaging?: boolean;

    public constructor(init?: Partial<SetCustomerStagingMode>) { (Object as any).assign(this, init); }
    public getTypeName() { return 'SetCustomerStagingMode'; }
    public getMethod() { return 'POST'; }
    public createResponse() { return new CustomerInfo(); }
}

// @Route("/accounts", "POST")
export class NewAccount implements IReturn<AccountInfo>, IPost {
    public name?: string;
    public parentAccountId?: string;

    public constructor(init?: Partial<NewAccount>) { (Object as any).assign(this, init); }
    public getTypeName() { return 'NewAccount'; }
    public getMethod() { return 'POST'; }
    public createResponse() { return new AccountInfo(); }
}

// @Route("/system/settings", "PATCH")
export class PatchSystemSettings implements IReturn<SystemSettingsInfo>, IPatch {
    public accountId?: string;
    public tags?: Tag[];
    public customerFields?: CustomerDataField[];

    public constructor(init?: Partial<PatchSystemSettings>) { (Object as any).assign(this, init); }
    public getTypeName() { return 'PatchSystemSettings'; }
    public getMethod() { return 'PATCH'; }
    public createResponse() { return new SystemSettingsInfo(); }
}

export class AuthenticateResponse {
    public userId?: string;
    public sessionId?: string;
    public userName?: string;
    public displayName?: string;
    public referrerUrl?: string;
    public bearerToken?: string;
    public refreshToken?: string;
    public roles?: string[];
    public permissions?: string[];
    public responseStatus?: ResponseStatus;
    public meta?: { [index: string]: string };

    public constructor(init?: Partial<AuthenticateResponse>) { (Object as any).assign(this, init); }
}

// @Route("/auth")
// @Route("/auth/{provider}")
export class Authenticate implements IReturn<AuthenticateResponse>, IPost {
    /** AuthProvider, e.g. credentials */
    public provider?: string;
    public userName?: string;
    public password?: string;
    public rememberMe?: boolean;
    public accessToken?: string;
    public accessTokenSecret?: string;
    public returnUrl?: string;
    public errorView?: string;
    public meta?: { [index: string]: string };

    public constructor(init?: Partial<Authenticate>) { (Object as any).assign(this, init); }
    public getTypeName() { return 'Authenticate'; }
    public getMethod() { return 'POST'; }
    public createResponse() { return new AuthenticateResponse(); }
}
