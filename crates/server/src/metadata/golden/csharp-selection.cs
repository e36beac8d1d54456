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
        public virtual string Id { get; set; }
        public virtual string Prefix { get; set; }
        public virtual string UserName { get; set; }
        public virtual string DateCreated { get; set; }
    }

    public partial class CustomerBreadcrumb
    {
        public virtual string Id { get; set; }
        public virtual string Name { get; set; }
    }

    ///<summary>
    ///API keys, by id and owner, never the key itself (SystemAdministrator).
    ///</summary>
    [Route("/apikeys", "GET")]
    public partial class ListApiKeys
        : IReturn<ListResponseOfApiKeyInfo>, IGet
    {
        public virtual string UserName { get; set; }
    }

    ///<summary>
    ///Evo Voice's `ListResponse<T>`. Totals are absent with `simplifiedPaging` (they were not computed).
    ///</summary>
    public partial class ListResponseOfApiKeyInfo
    {
        public virtual List<ApiKeyInfo> Items { get; set; } = [];
        public virtual long? TotalCount { get; set; }
        public virtual long? TotalPages { get; set; }
        public virtual bool HasMorePages { get; set; }
    }

    ///<summary>
    ///Revokes an API key (SystemAdministrator).
    ///</summary>
    [Route("/apikeys/{id}", "DELETE")]
    public partial class RevokeApiKey
        : IReturnVoid, IDelete
    {
        public virtual string Id { get; set; }
    }

    ///<summary>
    ///A `BYDAY` entry: `offset` 0 means every such weekday of the period, ±n the n-th from its start or end.
    ///</summary>
    public partial class ScheduleDay
    {
        public virtual int? Offset { get; set; }
        public virtual DayOfWeek? DayOfWeek { get; set; }
    }

    public partial class Tag
    {
        public virtual string Id { get; set; }
        public virtual string Name { get; set; }
        public virtual TagColor? Color { get; set; }
    }

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

