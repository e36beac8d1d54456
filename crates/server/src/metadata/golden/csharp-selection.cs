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
IncludeTypes: GetCustomer,DeleteCustomer,CustomerBreadcrumb,Tag,TagColor,ScheduleDay
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
    public partial class CustomerBreadcrumb
    {
        public virtual string Id { get; set; }
        public virtual string Name { get; set; }
    }

    ///<summary>
    ///Deletes a customer without children.
    ///</summary>
    [Route("/customers/{customerId}", "DELETE")]
    public partial class DeleteCustomer
        : IReturnVoid, IDelete
    {
        public virtual string CustomerId { get; set; }
    }

    ///<summary>
    ///One customer, with its version as the ETag.
    ///</summary>
    [Route("/customers/{customerId}", "GET")]
    public partial class GetCustomer
        : IReturn<CustomerInfo>, IGet
    {
        public virtual string CustomerId { get; set; }
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

