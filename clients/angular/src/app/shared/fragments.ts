// Selections that pages of several features share, as codegen'd fragments: a site, a person
// and a camera model look the same in the drone list, on a drone's page, in the register form
// and in the pickers, and read the same fields of the cache.
import { graphql } from '../graphql/generated';

export const SITE_SUMMARY = graphql(`
  fragment SiteSummary on Site {
    id
    name
    city
  }
`);

export const PERSON = graphql(`
  fragment Person on User {
    id
    username
  }
`);

export const CAMERA_SUMMARY = graphql(`
  fragment CameraSummary on Camera {
    id
    model
    megapixels
  }
`);
