// The drone selections the drones feature's pages share: a row of the list (also the head of
// a drone's page), and custody, which the drone page reads and its check-out and check-in
// mutations write back, so the page and any list row update from the cache.
import { graphql } from '../graphql/generated';

export const DRONE_SUMMARY = graphql(`
  fragment DroneSummary on Drone {
    id
    serialNumber
    name
    brand
    status
    overdue
    dueBackAt
    tags
    site {
      ...SiteSummary
    }
    holder {
      ...Person
    }
    cameras {
      ...CameraSummary
    }
  }
`);

export const DRONE_CUSTODY = graphql(`
  fragment DroneCustody on Drone {
    id
    status
    overdue
    checkedOutAt
    dueBackAt
    holder {
      ...Person
    }
    site {
      ...SiteSummary
      country
    }
  }
`);
