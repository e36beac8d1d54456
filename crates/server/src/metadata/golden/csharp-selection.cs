/* Options:
Date: 2026-01-01 00:00:00
Version: 1.0
Tip: To override a DTO option, remove "//" prefix before updating
BaseUrl: http://canopy.test

//GlobalNamespace: 
//MakePartial: True
//MakeVirtual: True
//MakeInternal: False
//AddNullableAnnotations: False
//AddDescriptionAsComments: True
//AddDataContractAttributes: False
//AddIndexesToDataMembers: False
//InitializeCollections: False
IncludeTypes: ListApiKeys,RevokeApiKey,CustomerBreadcrumb,Tag,TagColor,ScheduleDay
//ExcludeTypes: 
//AddNamespaces: 
*/

using System;
using System.IO;
using System.Collections;
using System.Collections.Generic;
using System.Runtime.Serialization;
using ServiceStack;
using ServiceStack.DataAnnotations;
using Canopy;

namespace Canopy
{
    ///<summary>
    ///An API key as listings show it: never the key itself.
    ///</summary>
    public partial class ApiKeyInfo
    {
        ///<summary>
        ///The key's id, for revoking it: 16 hex digits of its digest (not part of the key).
        ///</summary>
        public virtual string Id { get; set; }
        ///<summary>
        ///The key's first 7 characters (`ak-` and 4 hex digits), to recognise it.
        ///</summary>
        public virtual string Prefix { get; set; }
        ///<summary>
        ///The login name of the key's owner.
        ///</summary>
        public virtual string UserName { get; set; }
        ///<summary>
        ///When the key was created: an ISO 8601 UTC instant.
        ///</summary>
        public virtual string DateCreated { get; set; }
    }

    ///<summary>
    ///One ancestor of a customer, in its breadcrumb.
    ///</summary>
    public partial class CustomerBreadcrumb
    {
        ///<summary>
        ///The ancestor customer's id.
        ///</summary>
        public virtual string Id { get; set; }
        ///<summary>
        ///The ancestor customer's name.
        ///</summary>
        public virtual string Name { get; set; }
    }

    ///<summary>
    ///API keys, by id and owner, never the key itself (SystemAdministrator).
    ///</summary>
    [Route("/apikeys", "GET")]
    public partial class ListApiKeys
        : IReturn<ListResponseOfApiKeyInfo>, IGet
    {
        ///<summary>
        ///Only the keys of the user with this login name; absent: every key.
        ///</summary>
        public virtual string UserName { get; set; }
    }

    ///<summary>
    ///One page of a list (Evo Voice's `ListResponse`).
    ///</summary>
    public partial class ListResponseOfApiKeyInfo
    {
        ///<summary>
        ///The items of this page, or every match with `all=true`.
        ///</summary>
        public virtual List<ApiKeyInfo> Items { get; set; } = [];
        ///<summary>
        ///How many items match in all; absent with `simplifiedPaging`.
        ///</summary>
        public virtual long? TotalCount { get; set; }
        ///<summary>
        ///How many pages the matches fill (with `all=true`: 1, or 0 when nothing matches); absent with `simplifiedPaging`.
        ///</summary>
        public virtual long? TotalPages { get; set; }
        ///<summary>
        ///Whether a page follows this one.
        ///</summary>
        public virtual bool HasMorePages { get; set; }
    }

    ///<summary>
    ///Revokes an API key (SystemAdministrator).
    ///</summary>
    [Route("/apikeys/{id}", "DELETE")]
    public partial class RevokeApiKey
        : IReturnVoid, IDelete
    {
        ///<summary>
        ///The key's id, as ListApiKeys answers it (16 hex digits).
        ///</summary>
        public virtual string Id { get; set; }
    }

    ///<summary>
    ///A BYDAY entry of a recurrence: a weekday, or its n-th occurrence in the month or year.
    ///</summary>
    public partial class ScheduleDay
    {
        ///<summary>
        ///0: every such weekday of the period; +n or -n: the n-th from the start or end of the month (Monthly, 1 to 5) or year (Yearly, 1 to 53).
        ///</summary>
        public virtual int? Offset { get; set; }
        ///<summary>
        ///The weekday; `Sunday` when absent.
        ///</summary>
        public virtual DayOfWeek? DayOfWeek { get; set; }
    }

    ///<summary>
    ///A tag of an account's catalogue; customers of the account may carry it.
    ///</summary>
    public partial class Tag
    {
        ///<summary>
        ///The tag's id, unique within the catalogue (at most 200 characters).
        ///</summary>
        public virtual string Id { get; set; }
        ///<summary>
        ///The tag's name (at most 200 characters).
        ///</summary>
        public virtual string Name { get; set; }
        ///<summary>
        ///The colour the tag is shown in; `Magenta` when absent.
        ///</summary>
        public virtual TagColor? Color { get; set; }
    }

    ///<summary>
    ///The colour a tag is shown in.
    ///</summary>
    public enum TagColor
    {
        Magenta,
        Red,
        Volcano,
        Orange,
        Gold,
        Lime,
        Green,
        Cyan,
        Blue,
        GeekBlue,
        Purple,
    }

}

